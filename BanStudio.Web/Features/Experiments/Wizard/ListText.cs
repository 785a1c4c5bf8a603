using System.Globalization;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>Lists typed as text ("0.3, 0.6, 0.8"): the invariant culture both ways, as in a spec file.</summary>
public static class ListText
{
    public static string Format<T>(IEnumerable<T>? items) where T : IFormattable =>
        items is null ? "" : string.Join(", ", items.Select(i => i.ToString(null, CultureInfo.InvariantCulture)));

    /// <summary>"1,234,567", whatever the server's culture.</summary>
    public static string Thousands(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Empty text is an empty list; null when any item does not parse.</summary>
    public static T[]? Parse<T>(string? text) where T : IParsable<T>
    {
        var parts = (text ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var items = new T[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!T.TryParse(parts[i], CultureInfo.InvariantCulture, out items[i]!)) return null;
        return items;
    }
}
