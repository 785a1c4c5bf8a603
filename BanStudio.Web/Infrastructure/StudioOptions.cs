using System.ComponentModel.DataAnnotations;

namespace BanStudio.Web.Infrastructure;

/// <summary>The app's settings, bound from the "Studio" section of appsettings.json.</summary>
public sealed class StudioOptions
{
    public const string Section = "Studio";

    /// <summary>The SQLite file; a relative path resolves against the current directory, like the CLI's paths.</summary>
    [Required] public string DatabasePath { get; set; } = "banstudio.db";

    /// <summary>Each experiment trains in RunsDirectory/experiment-{id}.</summary>
    [Required] public string RunsDirectory { get; set; } = "runs";

    /// <summary>Experiments trained at once. One by default: two trainings on a laptop CPU only slow each other down.</summary>
    [Range(1, 16)] public int MaxConcurrentExperiments { get; set; } = 1;

    public string DatabaseFullPath => Path.GetFullPath(DatabasePath);

    public string ExperimentFolder(int experimentId) => Path.Combine(Path.GetFullPath(RunsDirectory), $"experiment-{experimentId}");
}
