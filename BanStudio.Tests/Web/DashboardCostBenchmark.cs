using System.Collections.Concurrent;
using System.Globalization;
using BanStudio.Tests.Data;
using BanStudio.Tests.Models;
using BanStudio.Web.Infrastructure.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace BanStudio.Tests.Web;

/// <summary>
/// What live viewers cost the training: the same small experiment trained by the real app with no hub client,
/// then with five clients subscribed to it (each receiving every epoch and up to four batch-progress messages a
/// second), alternating, several rounds. A benchmark that prints figures (BANSTUDIO_BENCHMARKS=1), not a check.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DashboardCostBenchmark(ITestOutputHelper output) : IDisposable
{
    const int TrainSize = 1200, Rounds = 3, Viewers = 5;
    readonly TempFolder _folder = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    [BenchmarkFact]
    public async Task Five_live_viewers_against_none()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        // One watcher of our own learns when each experiment ends and collects its epochs' timings; it subscribes
        // in both conditions, so the comparison is 1 connection against 1 + 5.
        var watcher = await host.ConnectHubAsync();
        var epochs = new ConcurrentDictionary<int, ConcurrentBag<EpochCompletedMessage>>();
        var done = new ConcurrentDictionary<int, TaskCompletionSource>();
        watcher.On<EpochCompletedMessage>("EpochCompleted", m => epochs.GetOrAdd(m.ExperimentId, _ => []).Add(m));
        watcher.On<ExperimentCompletedMessage>("ExperimentCompleted", m => done.GetOrAdd(m.ExperimentId, _ => new()).TrySetResult());

        var none = new List<double>();
        var five = new List<double>();
        int id = 0;
        long received = 0;
        output.WriteLine($"load at start {Load()}");
        for (int round = 0; round < Rounds; round++)
            foreach (int viewers in new[] { 0, Viewers })
            {
                id++; // a fresh database numbers experiments 1, 2, ...: subscribe before submitting
                await watcher.InvokeAsync("Subscribe", id);
                var clients = new List<HubConnection>();
                for (int v = 0; v < viewers; v++)
                {
                    var client = await host.ConnectHubAsync();
                    client.On<BatchProgressMessage>("BatchProgress", _ => Interlocked.Increment(ref received));
                    client.On<EpochCompletedMessage>("EpochCompleted", _ => Interlocked.Increment(ref received));
                    await client.InvokeAsync("Subscribe", id);
                    clients.Add(client);
                }
                Assert.Equal(id, await host.SubmitAsync(Spec($"viewers-{viewers}-round-{round + 1}")));
                await done.GetOrAdd(id, _ => new()).Task.WaitAsync(TimeSpan.FromMinutes(20));
                foreach (var client in clients) await client.DisposeAsync();
                // Images per second of every epoch (its seconds include scoring the small test set).
                var rates = epochs[id].Select(e => TrainSize / e.Seconds).ToList();
                (viewers == 0 ? none : five).AddRange(rates);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round + 1}, {viewers} viewers: {string.Join(", ", rates.Select(r => r.ToString("0.0", CultureInfo.InvariantCulture)))} images/s per epoch (load {Load()})"));
            }
        double a = Median(none), b = Median(five);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median over {none.Count} epochs: 0 viewers {a:0.0} images/s, {Viewers} viewers {b:0.0} images/s, cost {(1 - b / a) * 100:+0.0;-0.0}% ({received} messages delivered to the viewers)"));
        Assert.True(received > 0, "the viewers received nothing: the comparison would be 0 against 0");
    }

    static string Spec(string name) => $$"""
        {
          "name": "{{name}}",
          "dataset": { "kind": "builtin", "trainSize": {{TrainSize}}, "testSize": 100 },
          "teacher": { "family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0 },
          "generations": 1,
          "ensembles": false,
          "schedule": { "epochs": 2, "batchSize": 50, "learningRate": 0.05 },
          "seeds": [1]
        }
        """;

    static double Median(List<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
