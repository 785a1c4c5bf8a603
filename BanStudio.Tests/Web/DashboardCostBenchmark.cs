using System.Collections.Concurrent;
using System.Globalization;
using BanStudio.Tests.Data;
using BanStudio.Tests.Models;
using BanStudio.Web.Cli;
using BanStudio.Web.Infrastructure.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace BanStudio.Tests.Web;

/// <summary>
/// What live viewers cost the training: the same small experiment trained by the real app with no hub client,
/// then with five clients subscribed to it (each receiving every epoch and up to four batch-progress messages a
/// second), alternating, several rounds. A benchmark that prints figures (BANSTUDIO_BENCHMARKS=1), not a check.
/// BANSTUDIO_DASHBOARD_ROUNDS and BANSTUDIO_DASHBOARD_IMAGES (training images an epoch) lengthen it: a 2% effect needs
/// more than the default's few seconds an experiment to stand out of epoch-to-epoch noise.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DashboardCostBenchmark(ITestOutputHelper output) : IDisposable
{
    const int Viewers = 5;
    static readonly int Rounds = Setting("BANSTUDIO_DASHBOARD_ROUNDS", 3);
    static readonly int TrainSize = Setting("BANSTUDIO_DASHBOARD_IMAGES", 1200);
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

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
        var perRun = new Dictionary<int, List<double>> { [0] = [], [Viewers] = [] }; // whole-experiment images/s
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
                perRun[viewers].Add(epochs[id].Count * TrainSize / epochs[id].Sum(e => e.Seconds));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round + 1}, {viewers} viewers: {string.Join(", ", rates.Select(r => r.ToString("0.0", CultureInfo.InvariantCulture)))} images/s per epoch (load {Load()})"));
            }
        double a = Median(none), b = Median(five);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median over {none.Count} epochs: 0 viewers {a:0.0} images/s, {Viewers} viewers {b:0.0} images/s, cost {BenchVerb.SignedPercent(1 - b / a)}% ({received} messages delivered to the viewers)"));
        // Each round's two experiments ran back to back, so their ratio cancels slow drifts of the machine.
        var costs = perRun[0].Zip(perRun[Viewers], (without, with) => 1 - with / without).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"per round, whole experiments: 0 viewers {string.Join(", ", perRun[0].Select(r => r.ToString("0.0", CultureInfo.InvariantCulture)))}; " +
            $"{Viewers} viewers {string.Join(", ", perRun[Viewers].Select(r => r.ToString("0.0", CultureInfo.InvariantCulture)))} images/s; " +
            $"cost per round {string.Join(", ", costs.Select(BenchVerb.SignedPercent))}%, median {BenchVerb.SignedPercent(Median(costs))}%"));
        Assert.True(received > 0, "the viewers received nothing: the comparison would be 0 against 0");
    }

    /// <summary>
    /// The same question inside one experiment, where the machine's drift between experiments (up to 30% here) cannot
    /// reach it: five clients stay connected throughout and are subscribed to the experiment for some epochs and not
    /// for others, in blocks of four epochs ordered off, on, on, off (then on, off, off, on), so a steady drift cancels
    /// within a block. Each block gives one paired cost from its epochs' images/s, and one from the process's
    /// processor time per epoch (server and the five clients alike are in this process, so that one is an upper
    /// bound). BANSTUDIO_DASHBOARD_BLOCKS blocks (default 4) of BANSTUDIO_DASHBOARD_IMAGES images an epoch.
    /// </summary>
    [BenchmarkFact]
    public async Task Five_viewers_switched_on_and_off_epoch_by_epoch_in_one_experiment()
    {
        int blocks = Setting("BANSTUDIO_DASHBOARD_BLOCKS", 4);
        int epochsPerRun = 1 + 2 * blocks; // teacher and BAN-1: one warm-up epoch, then 4 x blocks epochs in all
        await using var host = await StudioHost.StartAsync(_folder.Path);
        var watcher = await host.ConnectHubAsync();
        var viewers = new List<HubConnection>();
        long received = 0, receivedOff = 0;
        bool on = false;
        for (int v = 0; v < Viewers; v++)
        {
            var client = await host.ConnectHubAsync();
            client.On<BatchProgressMessage>("BatchProgress", _ => { Interlocked.Increment(ref received); if (!Volatile.Read(ref on)) Interlocked.Increment(ref receivedOff); });
            client.On<EpochCompletedMessage>("EpochCompleted", _ => Interlocked.Increment(ref received));
            viewers.Add(client);
        }
        // Epoch n of the whole experiment (both runs, counted together) runs with viewers when Planned(n) is true.
        static bool Planned(int n)
        {
            if (n <= 1) return false;
            int block = (n - 2) / 4, position = (n - 2) % 4;
            bool middle = position is 1 or 2;
            return block % 2 == 0 ? middle : !middle;
        }
        var epochs = new List<(int N, bool On, double ImagesPerSecond, double CpuSeconds)>();
        var finished = new TaskCompletionSource();
        var process = System.Diagnostics.Process.GetCurrentProcess();
        process.Refresh();
        TimeSpan cpuAtStart = process.TotalProcessorTime;
        watcher.On<EpochCompletedMessage>("EpochCompleted", async m =>
        {
            process.Refresh();
            TimeSpan cpu = process.TotalProcessorTime;
            int n = epochs.Count + 1;
            epochs.Add((n, Volatile.Read(ref on), TrainSize / m.Seconds, (cpu - cpuAtStart).TotalSeconds));
            cpuAtStart = cpu;
            bool next = Planned(n + 1);
            if (next != Volatile.Read(ref on))
            {
                await Task.WhenAll(viewers.Select(c => c.InvokeAsync(next ? "Subscribe" : "Unsubscribe", 1)));
                Volatile.Write(ref on, next);
            }
        });
        watcher.On<ExperimentCompletedMessage>("ExperimentCompleted", _ => finished.TrySetResult());
        await watcher.InvokeAsync("Subscribe", 1);
        output.WriteLine($"load at start {Load()}");
        Assert.Equal(1, await host.SubmitAsync(Spec("toggled", epochsPerRun)));
        await finished.Task.WaitAsync(TimeSpan.FromMinutes(60));
        foreach (var client in viewers) await client.DisposeAsync();

        foreach (var e in epochs)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {e.N,3} {(e.On ? "5 viewers" : "0 viewers")}: {e.ImagesPerSecond:0.0} images/s, {e.CpuSeconds:0.00} s processor time"));
        // The first epoch of the BAN-1 run starts a new model (its own warm-up); it stays in its block like any other.
        var wall = new List<double>();
        var cpuCost = new List<double>();
        foreach (var block in epochs.Where(e => e.N >= 2).GroupBy(e => (e.N - 2) / 4).Where(g => g.Count() == 4))
        {
            var with = block.Where(e => e.On).ToList();
            var without = block.Where(e => !e.On).ToList();
            Assert.Equal((2, 2), (with.Count, without.Count)); // the plan was followed: each block two epochs of each
            wall.Add(1 - with.Average(e => e.ImagesPerSecond) / without.Average(e => e.ImagesPerSecond));
            cpuCost.Add(with.Average(e => e.CpuSeconds) / without.Average(e => e.CpuSeconds) - 1);
        }
        string List(IEnumerable<double> costs) => string.Join(", ", costs.Select(BenchVerb.SignedPercent));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cost per block of 4 epochs, images/s: {List(wall)}%; median {BenchVerb.SignedPercent(Median(wall))}%, mean {BenchVerb.SignedPercent(wall.Average())}% ± {StandardError(wall) * 100:0.0} (standard error)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cost per block, processor time an epoch: {List(cpuCost)}%; median {BenchVerb.SignedPercent(Median(cpuCost))}%, mean {BenchVerb.SignedPercent(cpuCost.Average())}% ± {StandardError(cpuCost) * 100:0.0}"));
        output.WriteLine($"{received} messages delivered to the viewers, {Interlocked.Read(ref receivedOff)} of them batch progress while unsubscribed (in flight at a switch); load at end {Load()}");
        Assert.True(received > 0, "the viewers received nothing: the comparison would be 0 against 0");
    }

    static double StandardError(List<double> values)
    {
        double mean = values.Average();
        return values.Count < 2 ? double.NaN : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1) / values.Count);
    }

    static string Spec(string name, int epochs) => Spec(name).Replace("\"epochs\": 2,", $"\"epochs\": {epochs},", StringComparison.Ordinal);

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

    static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : fallback;

    static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
