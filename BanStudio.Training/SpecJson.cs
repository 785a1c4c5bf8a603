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
            throw new SpecValidationException([new SpecError(field, $"{what} is not valid JSON for this field: {message}")]);
        }
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
