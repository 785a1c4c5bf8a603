using System.CommandLine;
using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BanStudio.Web.Cli;

/// <summary>
/// <c>run SPEC.json [--out DIR] [--database FILE]</c>: runs a whole born-again experiment (teacher,
/// generations, treatments, ensembles, for every seed) and prints the Table 2 layout as it fills in. It
/// trains through the app's own <see cref="ExperimentExecutor"/> into the app's database, so the
/// experiment, its runs, epochs and log show up in the browser. Re-running into the same folder reuses
/// every finished model and resumes the unfinished one (and the same experiment row).
/// </summary>
public static class RunVerb
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var spec = new Argument<FileInfo>("spec") { Description = "A JSON experiment spec (see wwwroot-assets/specs/demo-builtin.json)." };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Folder for checkpoints and results; re-run with the same folder to resume. Default: <Studio:RunsDirectory>/<name>." };
        var database = new Option<FileInfo?>("--database") { Description = "The SQLite file to record into. Default: Studio:DatabasePath in appsettings.json, the app's own." };
        var dataRoot = new Option<DirectoryInfo[]>("--data-root")
        {
            Description = "Also read datasets from this folder (repeatable). A spec's dataset.path must lie inside a data folder: " +
                          "by default $BANSTUDIO_DATA, ~/.banstudio/data, ./data and /usr/share/datasets.",
        };
        var command = new Command("run", "Run a born-again experiment: teacher, BAN generations, treatments and ensembles.") { spec, outDir, database, dataRoot };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(spec)!, parse.GetValue(outDir), parse.GetValue(database),
            parse.GetValue(dataRoot) ?? [], output, error, ct));
        return command;
    }

    static async Task<int> RunAsync(FileInfo specFile, DirectoryInfo? outDir, FileInfo? database, DirectoryInfo[] extraRoots,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        // Dataset paths confined as in the app: the default data folders, plus the ones the user named.
        var roots = DatasetCatalog.Default.DataRoots.Concat(extraRoots.Select(r => r.FullName)).Distinct().ToArray();
        if (!SpecFiles.TryRead<ExperimentSpec>(specFile, "experiment spec", s => ExperimentValidation.Validate(s, roots), error, out var spec))
            return TrainVerb.ExitCodes.BadSpec;

        await using var services = StudioStore.Build(database?.FullName, roots);
        var options = services.GetRequiredService<IOptions<StudioOptions>>().Value;
        var dbFactory = services.GetRequiredService<IDbContextFactory<StudioDb>>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct)) await StudioDatabase.MigrateAsync(db, ct);
        string folder = outDir?.FullName ?? Path.Combine(Path.GetFullPath(options.RunsDirectory), SpecFiles.Slug(spec.Name));
        var executor = services.GetRequiredService<ExperimentExecutor>();
        var experiment = await StudioStore.QueueAsync(dbFactory, executor, spec, folder, error.WriteLine, ct);
        if (experiment is null) return TrainVerb.ExitCodes.TrainingFailed;
        output.WriteLine($"{spec.Name}: experiment {experiment.Id} in {options.DatabaseFullPath}");

        var finished = new List<ModelResult>();
        IReadOnlyList<ModelResult> results = [];
        ExperimentPlan? shown = null;
        // Ctrl+C is the user's cancel, not a host stopping: the run ends "cancelled" and resumes when run again.
        var execution = await executor.RunAsync(experiment.Id, ct, CancellationToken.None, (plan, e) =>
        {
            shown = plan;
            switch (e)
            {
                case StepStarted s:
                    output.WriteLine(StepText.Started(s));
                    break;
                case StepEpochCompleted m:
                    output.WriteLine("    " + (m.Metrics.ValidLoss is null
                        ? TrainVerb.FormatEpoch(m.Metrics, plan.Spec.Schedule.Epochs)
                        : FormatLanguageEpoch(m.Metrics, plan.Spec.Schedule.Epochs)));
                    break;
                case StepFinished f:
                    finished.Add(f.Result);
                    output.WriteLine("    " + StepText.Finished(f));
                    // The table as it fills in; after the last step the final one below says it once.
                    if (!f.Reused && finished.Count < plan.Steps.Count) output.Write(ResultsTable.Render(plan, finished));
                    break;
                case ExperimentLog l:
                    output.WriteLine($"    {l.Message}");
                    break;
                case ExperimentFinished done:
                    results = done.Results;
                    break;
            }
        });
        if (execution is null) return TrainVerb.ExitCodes.TrainingFailed; // cancelled from the app between queueing and starting
        var end = execution.Ended;
        if (execution.DatasetProblem)
        {
            error.WriteLine(end.Reason);
            return TrainVerb.ExitCodes.BadData;
        }
        output.WriteLine();
        if (shown is not null) output.Write(ResultsTable.Render(shown, results));
        string status = Words.Of(end.Status);
        string reason = end.Reason is null || end.Reason == status ? "" : ": " + end.Reason;
        string resume = end.Status is ExperimentStatus.Cancelled or ExperimentStatus.Interrupted
            ? $"; the same command again resumes it (finished models are reused)"
            : "";
        output.WriteLine($"{status}{reason}; results in {Path.Combine(folder, "results.csv")}{resume}");
        return end.Status switch
        {
            ExperimentStatus.Completed => TrainVerb.ExitCodes.Ok,
            ExperimentStatus.Cancelled or ExperimentStatus.Interrupted => TrainVerb.ExitCodes.Cancelled,
            _ => TrainVerb.ExitCodes.TrainingFailed,
        };
    }

    /// <summary>One language-model epoch: perplexities (exp of the per-word losses), learning rate, words/s.</summary>
    public static string FormatLanguageEpoch(EpochMetrics m, int epochs) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {m.Epoch}/{epochs}: train ppl {Math.Exp(m.TrainLoss):0.00}, valid ppl {Math.Exp(m.ValidLoss ?? double.NaN):0.00}, " +
        $"test ppl {Math.Exp(m.TestLoss):0.00}, lr {m.LearningRate:0.####}, {m.ImagesPerSecond:0} words/s, {m.Seconds:0.0} s");
}
