using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace BanStudio.Training;

/// <summary>The one JSON dialect of every spec file: camelCase, enums as strings, comments and trailing commas allowed.</summary>
public static class SpecJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // Hand-written files do not always put "family" first.
            AllowOutOfOrderMetadataProperties = true,
            // Spec files are read by people: keep "ban+l" readable rather than "ban\u002Bl".
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SkipNotWritten } },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// Parses a spec, turning System.Text.Json's exceptions into a <see cref="SpecValidationException"/>
    /// that names the JSON path of the offending field.
    /// </summary>
    public static T Parse<T>(string json, string what) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                   ?? throw new SpecValidationException([new SpecError("$", $"{what} is empty (null)")]);
        }
        catch (JsonException e)
        {
            string field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path.TrimStart('$', '.');
            string message = e.Message.Split(" Path:")[0];
            var missing = System.Text.RegularExpressions.Regex.Match(message, "missing required properties including: (.*)\\.?$");
            if (missing.Success)
            {
                var names = missing.Groups[1].Value.Split(',').Select(n => n.Trim().Trim('\'', '.')).ToArray();
                string prefix = field == "$" ? "" : field + ".";
                throw new SpecValidationException(names.Select(n => new SpecError(prefix + n, $"is required in the {what}")).ToList());
            }
            if (message.Contains("type discriminator", StringComparison.OrdinalIgnoreCase))
                message = $"unknown or missing model \"family\"; known families are {string.Join(", ", Models.ModelSpecJson.Families)}";
            if (Readable(message, field, what) is { } readable) throw new SpecValidationException([new SpecError(field, readable)]);
            throw new SpecValidationException([new SpecError(field, $"{what} is not valid JSON for this field: {message}")]);
        }
    }

    /// <summary>
    /// System.Text.Json's two commonest complaints in the words of a spec file rather than of .NET: a field no type
    /// has (with the closest known name and the fields there are) and a value of the wrong kind (with what the field
    /// takes). Null for any other message, which is then passed on as it is.
    /// </summary>
    static string? Readable(string message, string field, string what)
    {
        string name = field.Split('.')[^1];
        var unmapped = System.Text.RegularExpressions.Regex.Match(message, "could not be mapped to any \\.NET member contained in type '([^']+)'");
        if (unmapped.Success)
        {
            var known = FindType(unmapped.Groups[1].Value) is { } type
                ? Options.GetTypeInfo(type).Properties.Where(p => p.Set is not null).Select(p => p.Name).ToList()
                : [];
            string? closest = known.Select(k => (k, d: Distance(k.ToLowerInvariant(), name.ToLowerInvariant()))).Where(x => x.d <= Math.Max(2, name.Length / 3))
                .OrderBy(x => x.d).Select(x => x.k).FirstOrDefault();
            return $"\"{name}\" is not a field of the {what} here" + (closest is null ? "" : $"; did you mean \"{closest}\"?") +
                   (known.Count > 0 ? $" (the fields here: {string.Join(", ", known)})" : "");
        }
        var converted = System.Text.RegularExpressions.Regex.Match(message, "could not be converted to ([^ ]+?)\\.?$");
        if (!converted.Success) return null;
        string target = converted.Groups[1].Value;
        var inner = System.Text.RegularExpressions.Regex.Match(target, "^System\\.Nullable`1\\[(.+)\\]$");
        if (inner.Success) target = inner.Groups[1].Value;
        string? takes = target switch
        {
            "System.Int32" or "System.Int64" => "a whole number, e.g. 3",
            "System.Double" or "System.Single" => "a number, e.g. 0.1",
            "System.Boolean" => "true or false",
            "System.String" => "text in double quotes",
            _ when target.EndsWith("[]", StringComparison.Ordinal) || target.StartsWith("System.Collections", StringComparison.Ordinal) => "a list in square brackets, e.g. [1, 2]",
            _ when FindType(target) is { IsEnum: true } e => "one of " + string.Join(", ", Enum.GetNames(e).Select(JsonNamingPolicy.KebabCaseLower.ConvertName).Select(n => $"\"{n}\"")),
            _ when FindType(target) is { IsClass: true } => "an object in braces { ... }",
            _ => null,
        };
        return takes is null ? null : $"\"{name}\" in the {what} takes {takes}";
    }

    static Type? FindType(string fullName) => typeof(SpecJson).Assembly.GetType(fullName);

    /// <summary>Levenshtein distance: how many one-letter edits turn one name into the other.</summary>
    static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    static void SkipNotWritten(JsonTypeInfo info)
    {
        foreach (var property in info.Properties)
            if (property.AttributeProvider?.IsDefined(typeof(NotWrittenAttribute), inherit: false) == true)
                property.ShouldSerialize = static (_, _) => false;
    }
}

/// <summary>
/// A computed property that spec JSON does not write (it would be noise in downloaded and stored specs) but still
/// accepts on reading and ignores, so the specs written before it was left out still parse.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotWrittenAttribute : Attribute;
