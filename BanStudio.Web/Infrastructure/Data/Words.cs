namespace BanStudio.Web.Infrastructure.Data;

/// <summary>Statuses as the database, the API and the hub spell them: one lower-case word.</summary>
public static class Words
{
    public static string Of(ExperimentStatus status) => status.ToString().ToLowerInvariant();

    public static string Of(RunStatus status) => status.ToString().ToLowerInvariant();

    public static string Of(LogSeverity severity) => severity.ToString().ToLowerInvariant();
}
