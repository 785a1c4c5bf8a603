using System.CommandLine;
using System.Globalization;
using BanStudio.Training.Benchmarks;
using BanStudio.Training.Language;
using BanStudio.Training.Models;
using BanStudio.Training.Training;

namespace BanStudio.Web.Cli;

/// <summary>
/// <c>bench --model WRN-16-4 --batch 64 --steps 12</c>: training throughput of a preset on random CIFAR-shaped
/// data (a language model, e.g. LSTM-2x200: on random word ids, in tokens/s, one step a 35-word BPTT window), the
/// cost of a born-again step relative to a label-only one, and peak memory; or, with
/// <c>--epochs-memory N</c>, memory after each of N epochs of a small born-again training.
/// </summary>
public static class BenchVerb
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string?>("--model") { Description = "A preset as `models` prints it, e.g. WRN-16-4, DenseNet-BC-40-12 or LSTM-2x200." };
        var batch = new Option<int>("--batch") { Description = "Batch size.", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per repeat (language models: 35-word BPTT windows).", DefaultValueFactory = _ => 12 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first (allocator, kernel caches).", DefaultValueFactory = _ => 2 };
        var repeats = new Option<int>("--repeats") { Description = "Repeats; the median is reported.", DefaultValueFactory = _ => 3 };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads (default: the physical cores)." };
        var noBan = new Option<bool>("--no-ban") { Description = "Time label-only steps only." };
        var precision = new Option<string>("--precision") { Description = "Image models: float32, bfloat16 (BatchNorm stays float32) or float16 (CUDA).", DefaultValueFactory = _ => "float32" };
        var tf32 = new Option<string>("--tf32") { Description = "CUDA: on (default) lets float32 matrix products and convolutions use TensorFloat-32; off keeps IEEE float32.", DefaultValueFactory = _ => "on" };
        var memory = new Option<int?>("--epochs-memory") { Description = "Instead: train a small born-again student N epochs and print memory per epoch (default model WRN-10-1)." };
        var command = new Command("bench", "Measure training throughput (images/s, or tokens/s for language models), the BAN step's cost, and memory.")
        {
            model, batch, steps, warmup, repeats, device, threads, noBan, precision, tf32, memory,
        };
        command.SetAction(parse =>
        {
            int? threadCount = parse.GetValue(threads);
            if (threadCount is < 1) return Fail(error, "--threads must be at least 1");
            if (threadCount is { } t) TorchSharp.torch.set_num_threads(t);
            else TorchThreads.UsePhysicalCores();
            string? name = parse.GetValue(model);
            if (parse.GetValue(memory) is { } epochs)
            {
                if (epochs < 3) return Fail(error, "--epochs-memory must be at least 3 (growth is measured after epoch 2)");
                return Memory(name ?? "WRN-10-1", epochs, parse.GetValue(batch), parse.GetValue(device)!, output, error);
            }
            if (name is null) return Fail(error, $"--model is required: one of {Presets()}");
            if (parse.GetValue(batch) < 1 || parse.GetValue(steps) < 1 || parse.GetValue(repeats) < 1 || parse.GetValue(warmup) < 0)
                return Fail(error, "--batch, --steps and --repeats must be at least 1, --warmup at least 0");
            if (ModelPresets.Find(name) is not { } spec) return Fail(error, $"--model: no preset is called \"{name}\"; use one of {Presets()}");
            if (DeviceChoice.Check(parse.GetValue(device)) is { } problem) return Fail(error, $"--device: {problem}");
            if (!Enum.TryParse<Precision>(parse.GetValue(precision), ignoreCase: true, out var chosen) || !Enum.IsDefined(chosen))
                return Fail(error, $"--precision: \"{parse.GetValue(precision)}\" is not one of float32, bfloat16, float16");
            if (chosen != Precision.Float32 && spec is LanguageModelSpec) return Fail(error, "--precision: the language models train in float32 only");
            if (parse.GetValue(tf32) is not ("on" or "off")) return Fail(error, $"--tf32: \"{parse.GetValue(tf32)}\" is not on or off");
            var options = new StepBenchmarkOptions
            {
                Model = spec, BatchSize = parse.GetValue(batch), Steps = parse.GetValue(steps), WarmupSteps = parse.GetValue(warmup),
                Repeats = parse.GetValue(repeats), Ban = !parse.GetValue(noBan), Device = DeviceChoice.Resolve(parse.GetValue(device)),
                Precision = chosen, Tf32 = parse.GetValue(tf32) == "on",
            };
            bool language = spec is LanguageModelSpec;
            string input = language ? $"{options.Window}-word windows of random ids, vocabulary {options.Vocabulary:N0}" : $"input {options.Shape}";
            output.WriteLine($"bench {spec.DisplayName}: batch {options.BatchSize}, {options.Steps} steps x {options.Repeats} repeats after " +
                             $"{options.WarmupSteps} warm-up, {input}, {DeviceChoice.Describe(options.Device)}, libtorch {LibTorchFolder.Loaded ?? "bundled"}, {options.Precision.ToString().ToLowerInvariant()}{(options.Device.type == TorchSharp.DeviceType.CUDA ? (options.Tf32 ? ", TF32 on" : ", TF32 off") : "")}, load {LoadAverage()}");
            StepBenchmarkResult r;
            try { r = StepBenchmark.Run(options, line => output.WriteLine("  " + line)); }
            catch (InvalidOperationException e) when (e.Message.StartsWith("benchmark training", StringComparison.Ordinal))
            {
                // A NaN loss: one line saying so, not a stack trace.
                error.WriteLine($"bench failed: {e.Message}");
                return 1;
            }
            output.WriteLine($"parameters {r.Parameters:N0}");
            double stepItems = options.BatchSize * (language ? options.Window : 1);
            output.WriteLine(Format($"{r.LabelMedian:0.0} {r.Unit}/s  {r.Model} label-only training step, median of {r.LabelImagesPerSecond.Count} ({1000 * stepItems / r.LabelMedian:0} ms a step)"));
            output.WriteLine(language
                ? Format($"cpu {1000 * r.LabelCpuMedian:0.00} ms per 1000 tokens (processor time of all threads, label-only, median)")
                : Format($"cpu {r.LabelCpuMedian:0.00} ms per image (processor time of all threads, label-only, median)"));
            string banStep = language ? "BAN+L: teacher forward in eval() under inference mode" : "teacher forward in inference mode";
            if (r.BanRelative is { } relative)
                output.WriteLine(Format($"BAN step {relative:0.00}x a label-only step ({r.BanMedian:0.0} {r.Unit}/s; in processor time {r.BanRelativeCpu:0.00}x; {banStep} + student forward/backward)"));
            if (r.LoaderImagesPerSecond is { } loader)
            {
                output.WriteLine(Format($"loader alone {loader:0} images/s = {loader / r.LabelMedian:0}x training"));
                var sgd = OptimizerBenchmark.TorchSharpSgd(spec, options.Shape, options.Device);
                output.WriteLine(Format($"optimizer zero_grad + step {sgd.Milliseconds:0.00} ms over {sgd.Tensors} parameter tensors = {sgd.Milliseconds / (1000 * options.BatchSize / r.LabelMedian) * 100:0.0}% of a label-only step"));
            }
            output.WriteLine($"peak memory {ProcessMemory.Mib(r.PeakResidentBytes)} resident");
            return 0;
        });
        return command;
    }

    static int Memory(string name, int epochs, int batch, string device, TextWriter output, TextWriter error)
    {
        if (ModelPresets.Find(name) is not { } spec) return Fail(error, $"--model: no preset is called \"{name}\"; use one of {Presets()}");
        if (DeviceChoice.Check(device) is { } problem) return Fail(error, $"--device: {problem}");
        output.WriteLine($"memory over {epochs} epochs: born-again {spec.DisplayName} student of a {spec.DisplayName} teacher, built-in data (640 train), batch {batch}, checkpoint every epoch");
        output.WriteLine($"{"epoch",5} {"resident",10} {"managed heap",12} {"managed live",12} {"tensors",8}");
        var r = MemoryBenchmark.Run(spec, epochs, batchSize: batch, device: DeviceChoice.Resolve(device),
            onEpoch: s => output.WriteLine($"{s.Epoch,5} {ProcessMemory.Mib(s.ResidentBytes),10} {s.ManagedBytes / 1024.0,8:0} KiB {s.LiveManagedBytes / 1024.0,8:0} KiB {s.LiveTensors,8}"));
        output.WriteLine(Format($"growth after epoch {r.ReferenceEpoch}: resident {SignedPercent(r.ResidentGrowth)}%, managed heap {SignedPercent(r.ManagedGrowth)}%, managed live {SignedPercent(r.LiveManagedGrowth)}%, live tensors {r.LiveTensorGrowth:+0;-0;0}"));
        return 0;
    }

    static int Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        return 2;
    }

    static string Presets() => string.Join(", ", ModelPresets.All.Select(p => p.Name));

    static string Format(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A fraction as a signed percentage with one decimal: "+4.4", "-0.3", "+0.0". Rounded before the sign is chosen:
    /// .NET's "+0.0;-0.0" prints a tiny negative value as "-+0.0".
    /// </summary>
    public static string SignedPercent(double fraction)
    {
        double rounded = Math.Round(fraction * 100, 1);
        return (rounded < 0 ? "-" : "+") + Math.Abs(rounded).ToString("0.0", CultureInfo.InvariantCulture);
    }

    static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
