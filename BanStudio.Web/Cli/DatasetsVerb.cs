using System.CommandLine;
using BanStudio.Training;
using BanStudio.Training.Data;

namespace BanStudio.Web.Cli;

/// <summary>
/// <c>datasets</c>: where each dataset is found (or not); <c>datasets --download KIND</c> fetches the
/// official files into the first data folder, checking their checksums, with progress.
/// </summary>
public static class DatasetsVerb
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var download = new Option<string?>("--download") { Description = "Download a dataset from its official address: cifar10, cifar100, fashion-mnist or mnist." };
        var root = new Option<DirectoryInfo?>("--root") { Description = "Folder to download into (default: the first data folder, ~/.banstudio/data or $BANSTUDIO_DATA)." };
        var command = new Command("datasets", "List the datasets BanStudio can find, or download one.") { download, root };
        command.SetAction(async (parse, ct) =>
        {
            var catalog = DatasetCatalog.Default;
            if (parse.GetValue(download) is { } kind)
                return await DownloadAsync(kind, parse.GetValue(root)?.FullName ?? catalog.DataRoots[0], output, error, ct);
            foreach (var entry in catalog.List())
            {
                string where = entry.IsBuiltin ? "made on the fly, no file needed"
                    : entry.IsAvailable ? entry.Location!
                    : $"not found in {string.Join(", ", catalog.SearchFolders(entry.Kind))}" + (entry.CanDownload ? $" (datasets --download {entry.Kind})" : "");
                output.WriteLine($"{entry.Kind,-14}{(entry.IsAvailable ? "available" : "missing"),-11}{where}");
            }
            output.WriteLine($"data folders: {string.Join(", ", catalog.DataRoots)} (set BANSTUDIO_DATA to add your own)");
            return 0;
        });
        return command;
    }

    static async Task<int> DownloadAsync(string kind, string root, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (DownloadSource.Official(kind) is not { } source)
        {
            error.WriteLine($"--download: '{kind}' has no download; use one of: {string.Join(", ", DatasetKinds.All.Where(k => DownloadSource.Official(k) is not null))}");
            return TrainVerb.ExitCodes.BadSpec;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        int lastPercent = -1;
        var progress = new Progress<DownloadProgress>(p =>
        {
            int percent = (int)((p.Fraction ?? 0) * 100);
            if (p.Stage != DownloadStage.Downloading || percent / 10 != lastPercent / 10)
                output.WriteLine($"{p.File}: {p.Stage.ToString().ToLowerInvariant()} {p.BytesDone / 1e6:0.0} MB{(p.BytesTotal is { } t ? $" of {t / 1e6:0.0} MB" : "")}");
            lastPercent = percent;
        });
        try
        {
            string folder = await new DatasetDownloader(http).DownloadAsync(source, root, progress, ct);
            output.WriteLine($"{kind} is in {folder}");
            return 0;
        }
        catch (Exception e) when (e is DatasetFileException or HttpRequestException or TaskCanceledException)
        {
            error.WriteLine($"download of {kind} failed: {e.Message}");
            return TrainVerb.ExitCodes.BadData;
        }
    }
}
