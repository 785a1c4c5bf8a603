using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BanStudio.Training.Models;

/// <summary>
/// Model specs on their own, in <see cref="SpecJson"/>'s dialect: unknown members refused (a misspelt
/// "growht" must not silently build a default network), "family" anywhere in the object.
/// </summary>
public static class ModelSpecJson
{
    public static JsonSerializerOptions Options => SpecJson.Options;

    /// <summary>The "family" values, from the [JsonDerivedType] registrations on <see cref="ModelSpec"/>, sorted.</summary>
    public static IReadOnlyList<string> Families { get; } = typeof(ModelSpec)
        .GetCustomAttributes<JsonDerivedTypeAttribute>()
        .Select(a => (string)a.TypeDiscriminator!)
        .Order(StringComparer.Ordinal)
        .ToList();

    public static string Serialize(ModelSpec spec) => JsonSerializer.Serialize(spec, Options);

    /// <summary>Reads a spec; a missing or unknown "family" is reported with the families there are.</summary>
    /// <exception cref="JsonException">Malformed JSON, or a family that is missing or unknown.</exception>
    public static ModelSpec Deserialize(string json)
    {
        // System.Text.Json's own message for an unknown discriminator names neither the field nor the choices.
        using (var document = JsonDocument.Parse(json))
        {
            var root = document.RootElement;
            var family = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("family", out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
            if (family is null)
                throw new JsonException($"A model spec needs a \"family\": one of {string.Join(", ", Families)}.");
            if (!Families.Contains(family))
                throw new JsonException($"Unknown model family \"{family}\"; known families are {string.Join(", ", Families)}.");
        }
        return JsonSerializer.Deserialize<ModelSpec>(json, Options)
            ?? throw new JsonException("A model spec cannot be null.");
    }
}
