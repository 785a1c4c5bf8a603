using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    /// that names the JSON path of each offending field. System.Text.Json stops at the first; to report the
    /// others in the same answer, the offending member is taken out of the document and it is read again
    /// (at most <see cref="MaxErrors"/> times), so a file with three typos gets three messages, not one per try.
    /// </summary>
    public static T Parse<T>(string json, string what) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                   ?? throw new SpecValidationException([new SpecError("$", $"{what} is empty (null)")]);
        }
        catch (JsonException first)
        {
            var errors = new List<SpecError>(ErrorsOf(first, first.Path, what));
            if (first.Path is { } path && Removable(first) && TryParseNode(json) is { } root)
            {
                var removed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                // Taking a list item out moves the later ones up; their paths are told as the file numbers them.
                var removedItems = new Dictionary<string, List<int>>(StringComparer.Ordinal);
                for (string? next = path; next is not null && errors.Count < MaxErrors && RemoveAt(root, next, removedItems);)
                {
                    removed.Add(errors[^1].Field);
                    next = null;
                    try { root.Deserialize<T>(Options); }
                    catch (JsonException e)
                    {
                        // A required field reported missing because it was taken out here is not another mistake.
                        var more = ErrorsOf(e, InFile(e.Path, removedItems), what).Where(m => !errors.Contains(m) && !removed.Contains(m.Field)).ToList();
                        errors.AddRange(more);
                        if (more.Count > 0 && Removable(e)) next = e.Path;
                    }
                }
            }
            throw new SpecValidationException(errors);
        }
    }

    /// <summary>How many JSON errors one parse reports at most.</summary>
    public const int MaxErrors = 20;

    /// <summary>One System.Text.Json complaint as the spec's errors (several for an object missing several required fields).</summary>
    static IReadOnlyList<SpecError> ErrorsOf(JsonException e, string? path, string what)
    {
        string field = string.IsNullOrEmpty(path) || path == "$" ? "$" : path.TrimStart('$', '.');
        string message = e.Message.Split(" Path:")[0];
        var missing = System.Text.RegularExpressions.Regex.Match(message, "missing required properties including: (.*)\\.?$");
        if (missing.Success)
        {
            var names = missing.Groups[1].Value.Split(',').Select(n => n.Trim().Trim('\'', '.')).ToArray();
            string prefix = field == "$" ? "" : field + ".";
            return names.Select(n => new SpecError(prefix + n, $"is required in the {what}")).ToList();
        }
        if (message.Contains("type discriminator", StringComparison.OrdinalIgnoreCase))
            message = $"unknown or missing model \"family\"; known families are {string.Join(", ", Models.ModelSpecJson.Families)}";
        return [new SpecError(field, Readable(message, field, what) ?? $"{what} is not valid JSON for this field: {message}")];
    }

    /// <summary>
    /// Whether taking the member at the exception's path out may let reading go on to the next mistake: a field no type
    /// has, a value of the wrong kind, an unknown family. Not a missing required field (taking its object out would only
    /// move the complaint up); broken JSON never gets here, as it does not parse into a document either.
    /// </summary>
    static bool Removable(JsonException e) =>
        e.Path is { Length: > 1 } && !e.Message.Contains("missing required properties", StringComparison.Ordinal);

    static JsonNode? TryParseNode(string json)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return null; // broken JSON or a repeated name: the first message is all there is
        }
    }

    /// <summary>The steps of a System.Text.Json path ("$.teacher.depth", "$.seeds[1]", "$['a b']"); null when it is not one.</summary>
    static IReadOnlyList<(string? Name, int Index)>? StepsOf(string path)
    {
        string rest = path.Length > 0 && path[0] == '$' ? path[1..] : path;
        var matches = System.Text.RegularExpressions.Regex.Matches(rest, "\\.([^.\\[]+)|\\['((?:[^']|'')*)'\\]|\\[(\\d+)\\]");
        if (matches.Count == 0 || matches.Sum(m => m.Length) != rest.Length) return null;
        return matches.Select(m => m.Groups[3].Success
            ? ((string?)null, int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture))
            : (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value.Replace("''", "'"), -1)).ToList();
    }

    /// <summary>
    /// A path of the document being read again as the file numbers it: each list index is moved past the items taken
    /// out of that list before it (<paramref name="removedItems"/>: the list's path in the file, then the file's indices taken out).
    /// </summary>
    static string? InFile(string? path, IReadOnlyDictionary<string, List<int>> removedItems)
    {
        if (path is null || removedItems.Count == 0 || StepsOf(path) is not { } steps) return path;
        var inFile = new System.Text.StringBuilder("$");
        foreach (var (name, index) in steps)
        {
            if (name is not null) { inFile.Append(StepText(name)); continue; }
            int original = InFileIndex(index, removedItems.GetValueOrDefault(inFile.ToString()));
            inFile.Append('[').Append(original).Append(']');
        }
        return inFile.ToString();
    }

    /// <summary>The file's index of what is now item <paramref name="index"/> of a list whose file items <paramref name="gone"/> were taken out.</summary>
    static int InFileIndex(int index, List<int>? gone)
    {
        int original = index;
        foreach (int taken in gone?.Order() ?? Enumerable.Empty<int>())
            if (taken <= original) original++;
        return original;
    }

    static string StepText(string name) =>
        System.Text.RegularExpressions.Regex.IsMatch(name, "^[^.\\[\\]' ]+$") ? "." + name : $"['{name.Replace("'", "''")}']";

    /// <summary>
    /// Removes the member or list item at a System.Text.Json path of the document as it now is; false when there is
    /// none. A list item taken out is recorded in <paramref name="removedItems"/> under the file's numbering.
    /// </summary>
    static bool RemoveAt(JsonNode root, string path, Dictionary<string, List<int>> removedItems)
    {
        if (StepsOf(path) is not { } steps) return false;
        JsonNode? node = root;
        var inFile = new System.Text.StringBuilder("$");
        for (int i = 0; i < steps.Count && node is not null; i++)
        {
            var (name, index) = steps[i];
            bool last = i == steps.Count - 1;
            if (name is null)
            {
                if (node is not JsonArray array || index >= array.Count) return false;
                string listPath = inFile.ToString();
                removedItems.TryGetValue(listPath, out var gone);
                int original = InFileIndex(index, gone);
                if (last)
                {
                    array.RemoveAt(index);
                    if (gone is null) removedItems[listPath] = gone = [];
                    gone.Add(original);
                    return true;
                }
                inFile.Append('[').Append(original).Append(']');
                node = array[index];
            }
            else
            {
                if (node is not JsonObject obj) return false;
                // The reader matches names case-insensitively; the path spells the name as the file does.
                string? key = obj.Select(p => p.Key).FirstOrDefault(k => k == name) ?? obj.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
                if (key is null) return false;
                if (last) return obj.Remove(key);
                inFile.Append(StepText(name));
                node = obj[key];
            }
        }
        return false;
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
