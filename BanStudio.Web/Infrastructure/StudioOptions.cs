using System.ComponentModel.DataAnnotations;
using BanStudio.Training.Data;

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

    /// <summary>
    /// The only folders a submitted spec's <c>dataset.path</c> may point into (links followed, no ".." escape), and
    /// where datasets without a path are looked for. Null: BANSTUDIO_DATA, ~/.banstudio/data, ./data and Debian's
    /// /usr/share/datasets. A configured list replaces these. The built-in dataset needs no folder.
    /// </summary>
    public string[]? DataRoots { get; set; }

    /// <summary>
    /// A secret every request must carry (Authorization: Bearer, or once as ?access_token= in the browser, which
    /// then keeps a cookie). Optional on a loopback address; required to listen on any other (see <see cref="AccessControl"/>).
    /// </summary>
    public string? AccessToken { get; set; }

    public IReadOnlyList<string> EffectiveDataRoots =>
        DataRoots is { Length: > 0 } configured ? configured.Select(Path.GetFullPath).ToArray() : DatasetCatalog.Default.DataRoots;

    public string DatabaseFullPath => Path.GetFullPath(DatabasePath);

    public string ExperimentFolder(int experimentId) => Path.Combine(Path.GetFullPath(RunsDirectory), $"experiment-{experimentId}");
}
