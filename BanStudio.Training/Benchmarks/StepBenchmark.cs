using System.Diagnostics;
using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Training.Objectives;
using BanStudio.Training.Training;
using static TorchSharp.torch;

namespace BanStudio.Training.Benchmarks;

/// <summary>What <see cref="StepBenchmark"/> measures.</summary>
public sealed record StepBenchmarkOptions
{
    public required ModelSpec Model { get; init; }
    public int BatchSize { get; init; } = 64;
    /// <summary>Timed training steps per repeat.</summary>
    public int Steps { get; init; } = 12;
    public int WarmupSteps { get; init; } = 2;
    public int Repeats { get; init; } = 3;
    /// <summary>Also time a born-again step (teacher forward + student forward/backward) against the label-only one.</summary>
    public bool Ban { get; init; } = true;
    public Device Device { get; init; } = CPU;
    public DataShape Shape { get; init; } = new(3, 32, 10);
}

/// <summary>Medians and the figures they come from; throughput in images per second.</summary>
public sealed record StepBenchmarkResult(
    string Model,
    long Parameters,
    IReadOnlyList<double> LabelImagesPerSecond,
    IReadOnlyList<double> BanImagesPerSecond,
    IReadOnlyList<double> LabelCpuMillisecondsPerImage,
    IReadOnlyList<double> BanCpuMillisecondsPerImage,
    double LoaderImagesPerSecond,
    long PeakResidentBytes)
{
    public double LabelMedian => Median(LabelImagesPerSecond);
    /// <summary>Processor time (all threads) per image of a label-only epoch: less sensitive than wall time to other load on the machine.</summary>
    public double LabelCpuMedian => Median(LabelCpuMillisecondsPerImage);
    public double? BanMedian => BanImagesPerSecond.Count == 0 ? null : Median(BanImagesPerSecond);
    /// <summary>A BAN step's time over a label-only step's: the median of the per-repeat ratios (each pair ran back to back).</summary>
    public double? BanRelative => BanImagesPerSecond.Count == 0 ? null
        : Median(LabelImagesPerSecond.Zip(BanImagesPerSecond, (label, ban) => label / ban).ToList());

    /// <summary>The same ratio in processor time, which other load on the machine distorts far less than wall time.</summary>
    public double? BanRelativeCpu => BanCpuMillisecondsPerImage.Count == 0 ? null
        : Median(BanCpuMillisecondsPerImage.Zip(LabelCpuMillisecondsPerImage, (ban, label) => ban / label).ToList());

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var sorted = values.Order().ToArray();
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}

/// <summary>
/// Training throughput of the real <see cref="Trainer"/> (its loader, step, metrics and all) on random
/// CIFAR-shaped data: every repeat is one epoch of exactly <see cref="StepBenchmarkOptions.Steps"/> full
/// batches, timed by the trainer's own epoch clock (the single-image test set it then scores costs under a
/// thousandth of that). Label-only and born-again epochs alternate, so contention on a shared machine hits both alike.
/// </summary>
public static class StepBenchmark
{
    public static StepBenchmarkResult Run(StepBenchmarkOptions o, Action<string>? log = null)
    {
        if (o.Steps < 1 || o.Repeats < 1 || o.WarmupSteps < 0 || o.BatchSize < 1)
            throw new ArgumentException("steps, repeats and batch size must be at least 1, warm-up steps at least 0");
        using var data = SyntheticImages.Create(o.Shape, o.Steps * o.BatchSize, 1);
        using var warmup = SyntheticImages.Create(o.Shape, Math.Max(1, o.WarmupSteps) * o.BatchSize, 1, seed: 2);
        using var student = o.Model.Build(o.Shape, seed: 1, o.Device);
        using var teacher = o.Ban ? o.Model.Build(o.Shape, seed: 2, o.Device) : null;
        long parameters = student.parameters().Sum(p => p.numel());
        // A small learning rate: the random labels must not drive the weights to NaN during a long benchmark.
        var schedule = new TrainingSchedule { Epochs = 1, BatchSize = o.BatchSize, LearningRate = 0.01 };

        var cpu = new List<double>();
        var banCpu = new List<double>();
        double Epoch(ImageSplits split, bool ban)
        {
            var processor = CpuTime();
            var result = new Trainer(new TrainerOptions
            {
                Model = student, Data = split, Schedule = schedule, Seed = 1, Device = o.Device,
                Teacher = ban ? teacher : null, Objective = ban ? new Ban() : new Label(),
            }).Run();
            if (result.Status != TrainingStatus.Completed) throw new InvalidOperationException($"benchmark training {result.Status}: {result.Reason}");
            (ban ? banCpu : cpu).Add((CpuTime() - processor).TotalMilliseconds / split.Train.Count);
            return result.History[0].ImagesPerSecond;
        }

        if (o.WarmupSteps > 0)
        {
            Epoch(warmup, ban: false);
            if (o.Ban) Epoch(warmup, ban: true);
            cpu.Clear();
            banCpu.Clear();
        }
        var label = new List<double>();
        var born = new List<double>();
        for (int r = 0; r < o.Repeats; r++)
        {
            label.Add(Epoch(data, ban: false));
            if (o.Ban) born.Add(Epoch(data, ban: true));
            log?.Invoke($"repeat {r + 1}/{o.Repeats}: label-only {label[^1]:0.0} images/s" + (o.Ban ? $", BAN {born[^1]:0.0} images/s" : ""));
        }
        double loader = LoaderImagesPerSecond(data, o.BatchSize, o.Device);
        return new StepBenchmarkResult(o.Model.DisplayName, parameters, label, born, cpu, banCpu, loader, ProcessMemory.PeakResident());
    }

    static TimeSpan CpuTime()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>The training data pipeline alone (order, gather, crop, flip, normalise), best of three passes.</summary>
    public static double LoaderImagesPerSecond(ImageSplits data, int batchSize, Device device)
    {
        using var loader = new BatchLoader(data.Train, BatchTransform.ForTraining(data), batchSize, device, prefetch: 0);
        using var generator = new Generator(3);
        double best = 0;
        for (int pass = 0; pass < 3; pass++)
        {
            var clock = Stopwatch.StartNew();
            long images = 0;
            foreach (var batch in loader.Epoch(generator))
                using (batch)
                    images += batch.Count;
            best = Math.Max(best, images / clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
