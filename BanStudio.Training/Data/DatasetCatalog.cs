namespace BanStudio.Training.Data;

public enum DatasetStatus { Available, NotFound }

/// <summary>One row of the catalog: a dataset, whether it can be used here, and from where.</summary>
/// <param name="Location">The folder holding its files; null for the built-in dataset and for one not found.</param>
public sealed record DatasetEntry(DatasetInfo Info, DatasetStatus Status, string? Location)
{
    public string Kind => Info.Kind;
    public string DisplayName => Info.DisplayName;
    public bool IsBuiltin => Info.Kind == DatasetKinds.Builtin;
    public bool IsAvailable => Status == DatasetStatus.Available;
    /// <summary>Whether <see cref="DatasetDownloader"/> knows an official source for it.</summary>
    public bool CanDownload => DownloadSource.Official(Info.Kind) is not null;
}

/// <summary>
/// The datasets BanStudio knows and where their files are: the built-in one always, the others when one of
/// the data folders holds them (as <c>cifar-10-batches-bin/</c>, <c>cifar-100-binary/</c>, <c>fashion-mnist/</c>,
/// ... or their python / torchvision-layout twins). The system folder /usr/share/datasets is always searched, so
/// Debian's <c>dataset-fashion-mnist</c> package is found without configuration. Lookups only test that files
/// exist; reading them is <see cref="DatasetSpec.Load"/>'s job.
/// </summary>
public sealed class DatasetCatalog
{
    /// <summary>Searched after the configured data folders (Debian's dataset-* packages install here).</summary>
    public static IReadOnlyList<string> SystemFolders { get; } = ["/usr/share/datasets"];

    /// <summary>
    /// ~/.banstudio/data (where downloads go by default), ./data, and the folders in the BANSTUDIO_DATA
    /// environment variable (separated like PATH) first when it is set.
    /// </summary>
    public static IReadOnlyList<string> DefaultDataRoots
    {
        get
        {
            var roots = new List<string>();
            if (Environment.GetEnvironmentVariable("BANSTUDIO_DATA") is { Length: > 0 } env)
                roots.AddRange(env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".banstudio", "data"));
            roots.Add(Path.GetFullPath("data"));
            return roots;
        }
    }

    public static DatasetCatalog Default => new(DefaultDataRoots);

    public DatasetCatalog(IEnumerable<string> dataRoots, bool includeSystemFolders = true)
    {
        var roots = dataRoots.Select(Path.GetFullPath).ToList();
        if (includeSystemFolders) roots.AddRange(SystemFolders);
        DataRoots = roots.Distinct().ToList();
    }

    /// <summary>Searched in this order; the first is where downloads go.</summary>
    public IReadOnlyList<string> DataRoots { get; }

    /// <summary>The folders a dataset of <paramref name="kind"/> is looked for in, for messages.</summary>
    public IReadOnlyList<string> SearchFolders(string kind) =>
        DataRoots.SelectMany(root => DatasetLayout.For(kind).Subfolders.Select(s => Path.Combine(root, s))).ToList();

    /// <summary>The folder holding the files of <paramref name="kind"/> in the first data root that has them, or null.</summary>
    public string? Locate(string kind)
    {
        if (kind == DatasetKinds.Builtin) return null;
        var layout = DatasetLayout.For(kind);
        return DataRoots.Select(root => layout.Locate(root, includeSelf: false)?.Folder).FirstOrDefault(f => f is not null);
    }

    public DatasetEntry Find(string kind)
    {
        var info = DatasetKinds.Info(kind);
        if (kind == DatasetKinds.Builtin) return new DatasetEntry(info, DatasetStatus.Available, null);
        string? folder = Locate(kind);
        return new DatasetEntry(info, folder is null ? DatasetStatus.NotFound : DatasetStatus.Available, folder);
    }

    /// <summary>Every known dataset, built-in first.</summary>
    public IReadOnlyList<DatasetEntry> List() => DatasetKinds.All.Select(Find).ToList();
}
