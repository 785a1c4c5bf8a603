namespace BanStudio.Web.Infrastructure.Data;

public enum LogSeverity { Info, Warning, Error }

/// <summary>
/// One message an experiment produced (a step started or finished, a resume, a failure and its reason),
/// kept so the live page shows them after a restart and for a run the CLI made in another process.
/// </summary>
public sealed class LogEntry
{
    public int Id { get; set; }
    public int ExperimentId { get; set; }
    public Experiment? Experiment { get; set; }
    public DateTimeOffset At { get; set; }
    public LogSeverity Severity { get; set; }
    /// <summary>The plan step it is about ("seed-1/ban-2"); null for the experiment as a whole.</summary>
    public string? RunKey { get; set; }
    public required string Message { get; set; }
}
