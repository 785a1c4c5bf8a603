using System.Diagnostics;
using BanStudio.Training.Data;
using BanStudio.Training.Language;
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
    /// <summary>The image models' number format (<see cref="Training.Precision"/>).</summary>
    public Precision Precision { get; init; } = Precision.Float32;
    /// <summary>CUDA only: TensorFloat-32 for float32 matrix products and convolutions (<see cref="TrainingSchedule.Tf32"/>).</summary>
    public bool Tf32 { get; init; } = true;
    public DataShape Shape { get; init; } = new(3, 32, 10);
    /// <summary>Language models: the vocabulary of the random word ids (PTB's by default).</summary>
    public int Vocabulary { get; init; } = LanguageModelSpec.PtbVocabulary;
    /// <summary>Language models: the truncated-BPTT window a step trains on (35, as the sequence trainer).</summary>
    public int Window { get; init; } = 35;
}

/// <summary>Medians and the figures they come from; throughput in <see cref="Unit"/> (images, or tokens for a language model) per second.</summary>
public sealed record StepBenchmarkResult(
    string Model,
    long Parameters,
    IReadOnlyList<double> LabelImagesPerSecond,
    IReadOnlyList<double> BanImagesPerSecond,
    IReadOnlyList<double> LabelCpuMillisecondsPerImage,
    IReadOnlyList<double> BanCpuMillisecondsPerImage,
    double? LoaderImagesPerSecond,
    long PeakResidentBytes)
{
    /// <summary>What the per-second figures count: "images", or "tokens" (predicted words) for a language model.</summary>
    public string Unit { get; init; } = "images";

    public double LabelMedian => Median(LabelImagesPerSecond);
    /// <summary>Processor time (all threads) per image (per token) of a label-only epoch: less sensitive than wall time to other load on the machine.</summary>
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
/// Training throughput of the real trainers on random data. Image models: the <see cref="Trainer"/> (its loader, step,
/// metrics and all) on CIFAR-shaped data, every repeat one epoch of exactly <see cref="StepBenchmarkOptions.Steps"/> full
/// batches, timed by the trainer's own epoch clock (the single-image test set it then scores costs under a thousandth
/// of that). Language models: the <see cref="SequenceTrainer"/> (loss summed over the window, clipping, hidden state
/// carried and detached) on random word ids, every repeat one epoch of exactly that many BPTT windows, timed by its
/// training clock. Label-only and born-again epochs alternate, so contention on a shared machine hits both alike.
/// </summary>
public static class StepBenchmark
{
    public static StepBenchmarkResult Run(StepBenchmarkOptions o, Action<string>? log = null)
    {
        if (o.Steps < 1 || o.Repeats < 1 || o.WarmupSteps < 0 || o.BatchSize < 1)
            throw new ArgumentException("steps, repeats and batch size must be at least 1, warm-up steps at least 0");
        return o.Model is LanguageModelSpec language ? Sequences(o, language, log) : Images(o, log);
    }

    static StepBenchmarkResult Images(StepBenchmarkOptions o, Action<string>? log)
    {
        using var data = SyntheticImages.Create(o.Shape, o.Steps * o.BatchSize, 1);
        using var warmup = SyntheticImages.Create(o.Shape, Math.Max(1, o.WarmupSteps) * o.BatchSize, 1, seed: 2);
        using var student = o.Model.Build(o.Shape, seed: 1, o.Device);
        using var teacher = o.Ban ? o.Model.Build(o.Shape, seed: 2, o.Device) : null;
        // A small learning rate: the random labels must not drive the weights to NaN during a long benchmark.
        var schedule = new TrainingSchedule { Epochs = 1, BatchSize = o.BatchSize, LearningRate = 0.01, Precision = o.Precision, Tf32 = o.Tf32 };
        if (o.Ban && o.Precision != Precision.Float32) teacher!.UsePrecision(Precisions.ScalarTypeOf(o.Precision)); // as a teacher trained in it

        (double PerSecond, long Items) Epoch(ImageSplits split, bool ban)
        {
            var result = new Trainer(new TrainerOptions
            {
                Model = student, Data = split, Schedule = schedule, Seed = 1, Device = o.Device,
                Teacher = ban ? teacher : null, Objective = ban ? new Ban() : new Label(),
            }).Run();
            return (Completed(result).ImagesPerSecond, split.Train.Count);
        }

        var m = Measure(o, ban => Epoch(warmup, ban), ban => Epoch(data, ban), "images", log);
        double loader = LoaderImagesPerSecond(data, o.BatchSize, o.Device);
        return new StepBenchmarkResult(o.Model.DisplayName, Count(student), m.Label, m.Ban, m.Cpu, m.BanCpu, loader, ProcessMemory.PeakResident());
    }

    static StepBenchmarkResult Sequences(StepBenchmarkOptions o, LanguageModelSpec spec, Action<string>? log)
    {
        var data = SyntheticText.Create(o.Vocabulary, o.BatchSize, o.Steps, o.Window);
        var warmup = SyntheticText.Create(o.Vocabulary, o.BatchSize, Math.Max(1, o.WarmupSteps), o.Window, seed: 2);
        using var student = spec.BuildLanguageModel(o.Vocabulary, seed: 1, o.Device);
        using var teacher = o.Ban ? spec.BuildLanguageModel(o.Vocabulary, seed: 2, o.Device) : null;
        // The language models' schedule (docs/language-models.md): plain SGD at lr 1 on the window's summed loss, norm clipped to 5.
        var schedule = new TrainingSchedule
        {
            Epochs = 1, BatchSize = o.BatchSize, LearningRate = 1, Momentum = 0, Nesterov = false, WeightDecay = 0,
            Schedule = LearningRateSchedule.Plateau, Gamma = 0.25, ClipGradNorm = 5, Tf32 = o.Tf32,
        };
        manual_seed(1); // dropout draws from the global generator

        (double PerSecond, long Items) Epoch(CorpusSplits corpus, bool ban)
        {
            var result = new SequenceTrainer(new SequenceTrainerOptions
            {
                Model = student, Corpus = corpus, Schedule = schedule, Seed = 1, Device = o.Device, Steps = o.Window, EvaluationBatchSize = 1,
                Teacher = ban ? teacher : null, Objective = ban ? new BanPlusLabel() : new Label(),
            }).Run();
            return (Completed(result).ImagesPerSecond, (long)o.Steps * o.Window * o.BatchSize);
        }

        var m = Measure(o, ban => Epoch(warmup, ban), ban => Epoch(data, ban), "tokens", log);
        return new StepBenchmarkResult(spec.DisplayName, Count(student), m.Label, m.Ban, m.Cpu, m.BanCpu, null, ProcessMemory.PeakResident())
        {
            Unit = "tokens",
        };
    }

    sealed record Series(List<double> Label, List<double> Ban, List<double> Cpu, List<double> BanCpu);

    /// <summary>Warm-up, then repeats of a label-only epoch and (with <see cref="StepBenchmarkOptions.Ban"/>) a born-again one, back to back.</summary>
    static Series Measure(StepBenchmarkOptions o, Func<bool, (double PerSecond, long Items)> warmup,
        Func<bool, (double PerSecond, long Items)> timed, string unit, Action<string>? log)
    {
        var s = new Series([], [], [], []);
        double Epoch(Func<bool, (double PerSecond, long Items)> epoch, bool ban)
        {
            var processor = CpuTime();
            var (perSecond, items) = epoch(ban);
            (ban ? s.BanCpu : s.Cpu).Add((CpuTime() - processor).TotalMilliseconds / items);
            return perSecond;
        }

        if (o.WarmupSteps > 0)
        {
            Epoch(warmup, ban: false);
            if (o.Ban) Epoch(warmup, ban: true);
            s.Cpu.Clear();
            s.BanCpu.Clear();
        }
        for (int r = 0; r < o.Repeats; r++)
        {
            s.Label.Add(Epoch(timed, ban: false));
            if (o.Ban) s.Ban.Add(Epoch(timed, ban: true));
            log?.Invoke($"repeat {r + 1}/{o.Repeats}: label-only {s.Label[^1]:0.0} {unit}/s" + (o.Ban ? $", BAN {s.Ban[^1]:0.0} {unit}/s" : ""));
        }
        return s;
    }

    static EpochMetrics Completed(TrainingResult result) => result.Status == TrainingStatus.Completed
        ? result.History[0]
        : throw new InvalidOperationException($"benchmark training {result.Status}: {result.Reason}");

    static long Count(BanModel model) => model.parameters().Sum(p => p.numel());

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
