using System.CommandLine;
using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using static TorchSharp.torch;

namespace BanStudio.Web.Cli;

/// <summary>
/// <c>train SPEC.json [--out DIR]</c>: trains one model with labels, one line per epoch, a summary
/// line at the end. Re-running with the same <c>--out</c> resumes from the last checkpoint.
/// </summary>
public static class TrainVerb
{
    public static class ExitCodes
    {
        public const int Ok = 0, TrainingFailed = 1, BadSpec = 2, BadData = 3, Cancelled = 130;
    }

    public static Command Create(TextWriter output, TextWriter error)
    {
        var spec = new Argument<FileInfo>("spec") { Description = "A JSON train spec: model, dataset, schedule, seed, device (see wwwroot-assets/specs/)." };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Folder for the checkpoint and metrics; re-run with the same folder to resume. Default: runs/train-<model>-seed<seed>." };
        var dataRoot = new Option<DirectoryInfo[]>("--data-root")
        {
            Description = "Also read datasets from this folder (repeatable). A spec's dataset.path must lie inside a data folder: " +
                          "by default $BANSTUDIO_DATA, ~/.banstudio/data, ./data and /usr/share/datasets.",
        };
        var command = new Command("train", "Train one model from a JSON spec, printing one line per epoch.") { spec, outDir, dataRoot };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(spec)!, parse.GetValue(outDir), parse.GetValue(dataRoot) ?? [], output, error, ct));
        return command;
    }

    /// <summary>The spec's own checks, the data folders (as for <c>run</c>), then the memory budget: nothing is allocated for a refused spec.</summary>
    static IReadOnlyList<SpecError> Check(TrainSpec spec, IReadOnlyList<string> roots)
    {
        var errors = spec.Validate().ToList();
        if (spec.Dataset is not null && DataRoots.Check(spec.Dataset, roots) is { } outside) errors.Add(outside);
        if (errors.Count == 0 && spec.Dataset?.Info is { } info) errors.AddRange(ModelBudget.Check("model", spec.Model, info.Shape));
        return errors;
    }

    static async Task<int> RunAsync(FileInfo specFile, DirectoryInfo? outDir, DirectoryInfo[] extraRoots, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var roots = DatasetCatalog.Default.DataRoots.Concat(extraRoots.Select(r => r.FullName)).Distinct().ToArray();
        if (!SpecFiles.TryRead<TrainSpec>(specFile, "train spec", s => Check(s, roots), error, out var spec)) return ExitCodes.BadSpec;

        var device = DeviceChoice.Resolve(spec.Device);
        string folder = outDir?.FullName ?? Path.GetFullPath(Path.Combine("runs", $"train-{SpecFiles.Slug(spec.Model.DisplayName)}-seed{spec.Seed}"));
        ImageSplits data;
        // Serially: this thread lives on while the trainer runs on its own, and must not hold an OpenMP team meanwhile.
        try { data = TorchThreads.Serially(() => spec.Dataset.Load()); }
        catch (DatasetFileException e)
        {
            error.WriteLine($"dataset problem: {e.Message}");
            return ExitCodes.BadData;
        }

        using (data)
        {
            manual_seed(spec.Seed); // dropout draws from the global generator
            var model = TorchThreads.Serially(() => spec.Model.Build(data.Shape, spec.Seed));
            var trainer = new Trainer(new TrainerOptions
            {
                Model = model, Data = data, Schedule = spec.Schedule, Seed = spec.Seed, Device = device,
                CheckpointDirectory = folder, Fingerprint = SpecFiles.Fingerprint(spec),
            });
            long parameters = model.parameters().Sum(p => p.numel());
            output.WriteLine($"{spec.Model.DisplayName} ({ModelsVerb.Millions(parameters)} parameters) on {data.Name} " +
                             $"[{data.Train.Count} train / {data.Test.Count} test, {data.Shape}], {DeviceChoice.Describe(device)}, seed {spec.Seed}");
            output.WriteLine($"checkpoints: {folder}");
            trainer.Notice += output.WriteLine;
            trainer.Resumed += done => output.WriteLine($"resuming after epoch {done} from {trainer.CheckpointPath}");
            trainer.EpochCompleted += m => output.WriteLine(FormatEpoch(m, spec.Schedule.Epochs));
            TrainingResult result;
            try { result = await trainer.RunAsync(ct); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Out of memory, a checkpoint folder that cannot be written, a TorchSharp error:
                // say what happened and where the last good checkpoint is, not a stack trace.
                error.WriteLine($"training failed: {e.GetType().Name}: {e.Message}");
                error.WriteLine($"the last finished epoch's checkpoint (if any) is kept in {folder}");
                return ExitCodes.TrainingFailed;
            }
            // A run that failed in its first epoch (a NaN loss) wrote no checkpoint, so the folder may not exist yet.
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, "metrics.json"), SpecJson.Write(result), CancellationToken.None);
            output.WriteLine(Summary(result));
            return result.Status switch
            {
                TrainingStatus.Completed => ExitCodes.Ok,
                TrainingStatus.Cancelled => ExitCodes.Cancelled,
                _ => ExitCodes.TrainingFailed,
            };
        }
    }

    public static string FormatEpoch(EpochMetrics m, int epochs)
    {
        var c = CultureInfo.InvariantCulture;
        string top5 = m.TestTop5Error is { } t5 ? string.Create(c, $" top5 {t5 * 100:0.00}%") : "";
        return string.Create(c,
            $"epoch {m.Epoch,3}/{epochs}  train loss {m.TrainLoss:0.0000} err {m.TrainError * 100,6:0.00}%  test loss {m.TestLoss:0.0000} err {m.TestError * 100,6:0.00}%{top5}  lr {m.LearningRate:0.#####}  {m.Seconds,6:0.0}s  {m.ImagesPerSecond,6:0} img/s");
    }

    public static string Summary(TrainingResult r)
    {
        if (r.Final is null) return $"{r.Status.ToString().ToLowerInvariant()}: {r.Reason ?? "no epoch finished"}";
        var best = r.Best!;
        string head = r.Status switch
        {
            TrainingStatus.Completed => "done",
            TrainingStatus.Cancelled => "cancelled (re-run the same command to resume)",
            _ => $"FAILED: {r.Reason}",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"{head}: final-epoch test error {r.Final.TestError * 100:0.00}% (epoch {r.Final.Epoch}), " +
            $"best-epoch test error {best.TestError * 100:0.00}% (epoch {best.Epoch}), {r.WallSeconds:0.0} s wall");
    }
}
