using System.Globalization;

namespace BanStudio.Web.Infrastructure;

/// <summary>
/// The pages render on the server, so their times are in the server's zone: the headers say which one ("UTC",
/// "UTC+01:00"), so a researcher in another zone does not read a training's start four hours off.
/// </summary>
public static class ServerTime
{
    /// <summary>"UTC" for a zero offset, else "UTC+05:30" / "UTC−03:00".</summary>
    public static string Label(TimeSpan offset) => offset == TimeSpan.Zero
        ? "UTC"
        : $"UTC{(offset < TimeSpan.Zero ? "−" : "+")}{offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture)}";

    /// <summary>The server's zone now.</summary>
    public static string Zone => Label(TimeZoneInfo.Local.GetUtcOffset(DateTimeOffset.UtcNow));

    /// <summary>A stored time in the server's zone, in <paramref name="format"/>.</summary>
    public static string Format(DateTimeOffset at, string format) => at.ToLocalTime().ToString(format, CultureInfo.InvariantCulture);
}
