using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace BanStudio.Training.Data;

/// <summary>
/// Downloads a dataset into a data root, checks every file against its MD5 while it streams in, and
/// extracts <c>.tar.gz</c> archives (System.Formats.Tar over a GZipStream, refusing entries that would land
/// outside the root). A file already present with the right checksum is not fetched again; a file with the
/// wrong one is deleted and reported with its name.
/// </summary>
public sealed class DatasetDownloader(HttpClient http)
{
    const int ReportEveryBytes = 1 << 20;

    /// <summary>Downloads <paramref name="source"/> into <paramref name="root"/>; returns the dataset's folder.</summary>
    /// <exception cref="DatasetFileException">A checksum mismatch, an HTTP error or an archive that cannot be extracted.</exception>
    public async Task<string> DownloadAsync(DownloadSource source, string root,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        root = Path.GetFullPath(root);
        string folder = Path.Combine(root, source.Folder);
        foreach (var file in source.Files)
        {
            string target = file.IsArchive ? Path.Combine(root, file.Name) : Path.Combine(folder, file.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!file.IsArchive && File.Exists(target) && await Md5Async(target, cancellationToken) == Normalise(file.Md5))
            {
                long size = new FileInfo(target).Length;
                progress?.Report(new DownloadProgress(file.Name, DownloadStage.Done, size, size));
                continue;
            }
            await FetchAsync(new Uri(source.BaseUrl, file.Name), file, target, progress, cancellationToken);
            if (file.IsArchive)
            {
                await ExtractAsync(target, root, file.Name, progress, cancellationToken);
                File.Delete(target);
            }
            long length = file.IsArchive ? 0 : new FileInfo(target).Length;
            progress?.Report(new DownloadProgress(file.Name, DownloadStage.Done, length, length));
        }
        return folder;
    }

    async Task FetchAsync(Uri url, DownloadFile file, string target, IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        string partial = target + ".part";
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new DatasetFileException(url.ToString(), $"download failed: HTTP {(int)response.StatusCode} ({response.ReasonPhrase})");
            long? total = response.Content.Headers.ContentLength ?? file.Size;
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            await using (var input = await response.Content.ReadAsStreamAsync(cancellationToken))
            await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                long done = 0, reported = 0;
                progress?.Report(new DownloadProgress(file.Name, DownloadStage.Downloading, 0, total));
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    md5.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    done += read;
                    if (done - reported >= ReportEveryBytes)
                    {
                        reported = done;
                        progress?.Report(new DownloadProgress(file.Name, DownloadStage.Downloading, done, total));
                    }
                }
                progress?.Report(new DownloadProgress(file.Name, DownloadStage.Downloading, done, total));
            }
            string actual = Convert.ToHexStringLower(md5.GetHashAndReset());
            if (actual != Normalise(file.Md5))
                throw new DatasetFileException(target,
                    $"MD5 is {actual} but {file.Name} should be {Normalise(file.Md5)}: the download is corrupt or the file " +
                    $"at {url} has changed; it was not kept");
            File.Move(partial, target, overwrite: true);
        }
        catch (HttpRequestException e)
        {
            throw new DatasetFileException(url.ToString(), $"download failed: {e.Message}");
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    static async Task ExtractAsync(string archive, string root, string name, IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        string rootPrefix = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
        try
        {
            await using var file = File.OpenRead(archive);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                string destination = Path.GetFullPath(Path.Combine(root, entry.Name));
                if (!destination.StartsWith(rootPrefix, StringComparison.Ordinal))
                    throw new DatasetFileException(archive, $"entry '{entry.Name}' would extract outside {root}; refusing the archive");
                if (entry.EntryType == TarEntryType.Directory) Directory.CreateDirectory(destination);
                else if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    await entry.ExtractToFileAsync(destination, overwrite: true, cancellationToken);
                }
                // Links and devices have no place in a dataset archive; they are skipped.
                progress?.Report(new DownloadProgress(name, DownloadStage.Extracting, file.Position, file.Length));
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new DatasetFileException(archive, $"cannot be extracted (truncated or not a .tar.gz?): {e.Message}");
        }
    }

    static async Task<string> Md5Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await MD5.HashDataAsync(stream, cancellationToken));
    }

    static string Normalise(string md5) => md5.Trim().ToLowerInvariant();
}
