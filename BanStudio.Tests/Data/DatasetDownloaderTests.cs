using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using BanStudio.Training;
using BanStudio.Training.Data;
using static BanStudio.Tests.Data.OfficialFormats;

namespace BanStudio.Tests.Data;

/// <summary>Serves fixed files over HTTP on 127.0.0.1 at a free port; never anything external.</summary>
public sealed class LocalFileServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly IReadOnlyDictionary<string, byte[]> _files;
    readonly Task _loop;

    public LocalFileServer(IReadOnlyDictionary<string, byte[]> files)
    {
        _files = files;
        for (int attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = new Uri($"http://127.0.0.1:{port}/mirror/");
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(BaseUrl.ToString());
            try { _listener.Start(); break; }
            catch (HttpListenerException) when (attempt < 5) { }
        }
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; private set; } = null!;
    public ConcurrentQueue<string> Requests { get; } = new();

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            string name = context.Request.Url!.AbsolutePath.Split('/')[^1];
            Requests.Enqueue(name);
            if (_files.TryGetValue(name, out var content))
            {
                context.Response.ContentLength64 = content.Length;
                await context.Response.OutputStream.WriteAsync(content);
            }
            else context.Response.StatusCode = 404;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}

/// <summary>Records every report synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
sealed class RecordingProgress : IProgress<DownloadProgress>
{
    public List<DownloadProgress> Reports { get; } = [];
    public void Report(DownloadProgress value) { lock (Reports) Reports.Add(value); }
}

public sealed class DatasetDownloaderTests : IDisposable
{
    readonly TempFolder _temp = new();
    readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _temp.Dispose();
    }

    static string Md5(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    /// <summary>cifar-10-binary.tar.gz as the authors ship it: one top folder, cifar-10-batches-bin/.</summary>
    byte[] Cifar10Archive()
    {
        using var source = new TempFolder();
        WriteCifar10Binary(source.Path, perBatch: 20);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            TarFile.CreateFromDirectory(Path.Combine(source.Path, "cifar-10-batches-bin"), gzip, includeBaseDirectory: true);
        return output.ToArray();
    }

    static DownloadSource Cifar10From(LocalFileServer server, string md5) =>
        DownloadSource.Official(DatasetKinds.Cifar10)! with
        {
            BaseUrl = server.BaseUrl,
            Files = [new DownloadFile("cifar-10-binary.tar.gz", md5)],
        };

    [Fact]
    public async Task Cifar10_is_downloaded_checked_extracted_and_then_loads()
    {
        byte[] archive = Cifar10Archive();
        using var server = new LocalFileServer(new Dictionary<string, byte[]> { ["cifar-10-binary.tar.gz"] = archive });
        var progress = new RecordingProgress();
        string root = _temp.Sub("data");

        string folder = await new DatasetDownloader(_http).DownloadAsync(Cifar10From(server, Md5(archive)), root, progress);

        Assert.Equal(Path.Combine(root, "cifar-10-batches-bin"), folder);
        Assert.False(File.Exists(Path.Combine(root, "cifar-10-binary.tar.gz")));
        using var data = new DatasetSpec(DatasetKinds.Cifar10, Path: root).Load();
        Assert.Equal(100, data.Train.Count);
        Assert.Equal(Cifar10Label(42), data.Train.Labels[42].item<long>());
        var downloading = progress.Reports.Where(r => r.Stage == DownloadStage.Downloading).ToList();
        Assert.Equal(archive.Length, downloading[^1].BytesDone);
        Assert.All(downloading, r => Assert.Equal(archive.Length, r.BytesTotal));
        Assert.Contains(progress.Reports, r => r.Stage == DownloadStage.Extracting);
        Assert.Equal(DownloadStage.Done, progress.Reports[^1].Stage);
    }

    [Fact]
    public async Task A_checksum_mismatch_names_the_file_and_keeps_nothing()
    {
        byte[] archive = Cifar10Archive();
        using var server = new LocalFileServer(new Dictionary<string, byte[]> { ["cifar-10-binary.tar.gz"] = archive });
        string root = _temp.Sub("data");
        string wrong = Md5([1, 2, 3]);

        var e = await Assert.ThrowsAsync<DatasetFileException>(() =>
            new DatasetDownloader(_http).DownloadAsync(Cifar10From(server, wrong), root));

        Assert.Equal(Path.Combine(root, "cifar-10-binary.tar.gz"), e.Path);
        Assert.Contains($"MD5 is {Md5(archive)} but cifar-10-binary.tar.gz should be {wrong}", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    [Fact]
    public async Task Fashion_mnist_files_are_saved_in_their_folder_and_not_fetched_again()
    {
        string served = WriteIdxSet(_temp.Sub("served"), gzip: true);
        var files = Directory.GetFiles(served).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        using var server = new LocalFileServer(files);
        var source = DownloadSource.Official(DatasetKinds.FashionMnist)! with
        {
            BaseUrl = server.BaseUrl,
            Files = [.. DownloadSource.Official(DatasetKinds.FashionMnist)!.Files.Select(f => f with { Md5 = Md5(files[f.Name]) })],
        };
        string root = _temp.Sub("data");
        var downloader = new DatasetDownloader(_http);

        string folder = await downloader.DownloadAsync(source, root);
        await downloader.DownloadAsync(source, root);

        Assert.Equal(Path.Combine(root, "fashion-mnist"), folder);
        Assert.Equal(4, server.Requests.Count);
        using var data = new DatasetSpec(DatasetKinds.FashionMnist).Load(new DatasetCatalog([root], includeSystemFolders: false));
        Assert.Equal(30, data.Train.Count);
    }

    [Fact]
    public async Task A_file_the_server_does_not_have_is_reported_with_its_url()
    {
        using var server = new LocalFileServer(new Dictionary<string, byte[]>());

        var e = await Assert.ThrowsAsync<DatasetFileException>(() =>
            new DatasetDownloader(_http).DownloadAsync(Cifar10From(server, Md5([0])), _temp.Path));

        Assert.Equal(new Uri(server.BaseUrl, "cifar-10-binary.tar.gz").ToString(), e.Path);
        Assert.Contains("HTTP 404", e.Message);
    }

    [Fact]
    public void The_official_sources_carry_the_published_checksums()
    {
        Assert.Equal("c32a1d4ab5d03f1284b67883e8d87530", DownloadSource.Official(DatasetKinds.Cifar10)!.Files[0].Md5);
        Assert.Equal("03b5dce01913d631647c71ecec9e9cb8", DownloadSource.Official(DatasetKinds.Cifar100)!.Files[0].Md5);
        Assert.Equal("8d4fb7e6c68d591d4c3dfef9ec88bf0d", DownloadSource.Official(DatasetKinds.FashionMnist)!.Files[0].Md5);
        Assert.Null(DownloadSource.Official(DatasetKinds.Builtin));
    }
}
