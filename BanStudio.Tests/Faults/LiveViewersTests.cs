using System.Globalization;
using BanStudio.Tests.Browser;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using BanStudio.Web.Infrastructure.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace BanStudio.Tests.Faults;

/// <summary>
/// Many live viewers (real SignalR connections) on one training experiment. The ordering is asserted; the
/// throughput with and without viewers is a benchmark: printed, and written to benchmarks/live-viewers.txt
/// in the test output, never asserted.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class LiveViewersTests(ITestOutputHelper output) : IDisposable
{
    const int Viewers = 20;
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    static string Spec(string name) => $$"""
        {
          "name": "{{name}}",
          "dataset": { "kind": "builtin", "trainSize": 600, "testSize": 200 },
          "teacher": { "family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0 },
          "generations": 1,
          "schedule": { "epochs": 3, "batchSize": 50, "learningRate": 0.05 },
          "seeds": [1]
        }
        """;

    sealed class Viewer(HubConnection hub) : IAsyncDisposable
    {
        public HubConnection Hub { get; } = hub;
        public readonly List<EpochCompletedMessage> Epochs = [];
        public readonly TaskCompletionSource<ExperimentCompletedMessage> Completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static async Task<Viewer> WatchAsync(StudioHost host, int experimentId)
        {
            var viewer = new Viewer(await host.ConnectHubAsync());
            viewer.Hub.On<EpochCompletedMessage>("EpochCompleted", m => { lock (viewer.Epochs) viewer.Epochs.Add(m); });
            viewer.Hub.On<ExperimentCompletedMessage>("ExperimentCompleted", m => viewer.Completed.TrySetResult(m));
            await viewer.Hub.InvokeAsync("Subscribe", experimentId);
            return viewer;
        }

        public ValueTask DisposeAsync() => Hub.DisposeAsync();
    }

    [Fact]
    public async Task Twenty_live_viewers_each_receive_every_epoch_in_order_and_throughput_is_reported_with_and_without_them()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        var without = new List<(double ImagesPerSecond, double Wall)>();
        var with = new List<(double ImagesPerSecond, double Wall)>();
        // Alternated (none, 20, none, 20) so a warm-up or a neighbour's load does not favour one side.
        for (int round = 0; round < 2; round++)
        {
            int quiet = await host.SubmitAsync(Spec($"no-viewers-{round}"));
            Assert.Equal("completed", (await host.WaitUntilFinishedAsync(quiet, Patience)).Status);
            without.Add(await ThroughputAsync(host, quiet));
            with.Add(await WatchedRunAsync(host, quiet + 1, $"twenty-viewers-{round}"));
        }

        string report = string.Create(CultureInfo.InvariantCulture,
            $"""
            live viewers benchmark (WRN-10-1, built-in data 600 train / 200 test, teacher + BAN-1, 3 epochs each, {Environment.ProcessorCount} cores, viewers in the test process)
              0 viewers:  {string.Join(", ", without.Select(t => $"{t.ImagesPerSecond:0} img/s ({t.Wall:0.0} s)"))}
             {Viewers} viewers:  {string.Join(", ", with.Select(t => $"{t.ImagesPerSecond:0} img/s ({t.Wall:0.0} s)"))}
              (train images per second, mean of the 6 epochs; in brackets the experiment's wall time)
              every viewer received every EpochCompleted message, in order, in both watched experiments
            """);
        output.WriteLine(report);
        Console.WriteLine(report);
        string folder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "benchmarks")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "live-viewers.txt"), report + Environment.NewLine);
    }

    /// <summary>Subscribes 20 viewers to the experiment id that comes next (ids count up), so none misses an epoch, then submits it.</summary>
    async Task<(double ImagesPerSecond, double Wall)> WatchedRunAsync(StudioHost host, int nextId, string name)
    {
        var viewers = await Task.WhenAll(Enumerable.Range(0, Viewers).Select(_ => Viewer.WatchAsync(host, nextId)));
        try
        {
            Assert.Equal(nextId, await host.SubmitAsync(Spec(name)));
            var ends = await Task.WhenAll(viewers.Select(v => v.Completed.Task.WaitAsync(Patience)));
            Assert.All(ends, e => Assert.Equal((nextId, "completed"), (e.ExperimentId, e.Status)));

            // The stored epochs are the truth: every viewer got each of them once, in training order, with the same numbers.
            var stored = DashboardPage.ReadCsv(await host.Http.GetStringAsync($"/api/experiments/{nextId}/metrics.csv"));
            Assert.Equal(6, stored.Count);
            var expected = stored.Select(m => (m["run_key"], int.Parse(m["epoch"], CultureInfo.InvariantCulture),
                double.Parse(m["test_error"], CultureInfo.InvariantCulture))).ToList();
            foreach (var viewer in viewers)
                lock (viewer.Epochs) Assert.Equal(expected, viewer.Epochs.Select(e => (e.RunKey, e.Epoch, e.TestError)));
            return await ThroughputAsync(host, nextId);
        }
        finally
        {
            foreach (var viewer in viewers) await viewer.DisposeAsync();
        }
    }

    static async Task<(double ImagesPerSecond, double Wall)> ThroughputAsync(StudioHost host, int id)
    {
        var metrics = DashboardPage.ReadCsv(await host.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv"));
        var details = await host.GetAsync(id);
        return (metrics.Average(m => double.Parse(m["images_per_second"], CultureInfo.InvariantCulture)),
            (details.FinishedAt!.Value - details.StartedAt!.Value).TotalSeconds);
    }

}
