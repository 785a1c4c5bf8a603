using System.Diagnostics;
using BanStudio.Training.Data;
using BanStudio.Training.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace BanStudio.Tests.Models;

/// <summary>A benchmark, not a check: skipped unless BANSTUDIO_BENCHMARKS=1, since timings belong in figures, not assertions.</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("BANSTUDIO_BENCHMARKS") != "1")
            Skip = "benchmark: set BANSTUDIO_BENCHMARKS=1 to run";
    }
}

public class TinyPresetBenchmark(ITestOutputHelper output)
{
    private const int Images = 5_000;
    private const int BatchSize = 64;

    [BenchmarkFact]
    public void Tiny_presets_train_an_epoch_of_5000_cifar_sized_images_on_the_cpu()
    {
        var shape = new DataShape(3, 32, 10);
        output.WriteLine($"torch threads: {get_num_threads()}, load average: {LoadAverage()}");
        foreach (var name in new[] { "DenseNet-BC-22-12", "WRN-10-1", "BAN-Wide-ResNet-1-1/DenseNet-BC-22-12" })
        {
            using var scope = NewDisposeScope();
            var spec = ModelPresets.Get(name);
            using var model = spec.Build(shape, seed: 1);
            using var optimizer = optim.SGD(model.parameters(), 0.1, momentum: 0.9, weight_decay: 5e-4, nesterov: true);
            var images = randn(Images, 3, 32, 32);
            var labels = randint(0, shape.Classes, Images);
            var before = model.parameters().Select(p => p.detach().clone()).ToList();
            model.train();

            var batches = new List<double>();
            var epoch = Stopwatch.StartNew();
            var lastLoss = float.NaN;
            for (var start = 0; start < Images; start += BatchSize)
            {
                using var step = NewDisposeScope();
                var watch = Stopwatch.StartNew();
                var count = Math.Min(BatchSize, Images - start);
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.forward(images.narrow(0, start, count)), labels.narrow(0, start, count));
                loss.backward();
                optimizer.step();
                lastLoss = loss.item<float>();
                if (count == BatchSize) batches.Add(watch.Elapsed.TotalMilliseconds); // the short last batch would flatter the pace
            }
            epoch.Stop();

            batches.Sort();
            double EpochAt(double batchMs) => batchMs * Images / BatchSize / 1000;
            var median = batches[batches.Count / 2];
            output.WriteLine($"{name}: {spec.CountParameters(shape):N0} parameters, epoch {epoch.Elapsed.TotalSeconds:F1} s wall; "
                + $"batch of {BatchSize}: median {median:F0} ms ({EpochAt(median):F1} s/epoch at that pace), fastest {batches[0]:F0} ms ({EpochAt(batches[0]):F1} s/epoch)");
            Assert.True(float.IsFinite(lastLoss));
            Assert.Contains(before.Zip(model.parameters()), pair => !Tensors.Identical(pair.First, pair.Second));
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
