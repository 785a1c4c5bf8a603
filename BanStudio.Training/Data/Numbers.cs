using System.Globalization;

namespace BanStudio.Training.Data;

/// <summary>Numbers in messages, the same on every machine: "30,730,000", not "30.730.000".</summary>
internal static class Numbers
{
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
