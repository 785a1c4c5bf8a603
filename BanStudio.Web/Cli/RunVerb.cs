using System.CommandLine;
using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;

namespace BanStudio.Web.Cli;

/// <summary>
/// <c>run SPEC.json [--out DIR]</c>: runs a whole born-again experiment (teacher, generations,
/// treatments, ensembles, for every seed) and prints the Table 2 layout as it fills in.
/// Re-running with the same folder reuses every finished model and resumes the unfinished one.
/// </summary>
public static class RunVerb
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var spec = new Argument<FileInfo>("spec") { Description = "A JSON experiment spec (see wwwroot-assets/specs/demo-builtin.json)." };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Folder for checkpoints and results; re-run with the same folder to resume. Default: runs/<name>." };
        var command = new Command("run", "Run a born-again experiment: teacher, BAN generations, treatments and ensembles.") { spec, outDir };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(spec)!, parse.GetValue(outDir), output, error, ct));
        return command;
    }

    static async Task<int> RunAsync(FileInfo specFile, DirectoryInfo? outDir, TextWriter output, TextWriter error, CancellationToken ct)
    {
        ExperimentRunner runner;
        try
        {
            var spec = SpecFiles.Read<ExperimentSpec>(specFile, "experiment spec");
            // The CLI confines dataset paths like the app does, to its default data folders (BANSTUDIO_DATA adds more).
            SpecValidationException.ThrowIfAny(ExperimentValidation.Validate(spec, DatasetCatalog.Default.DataRoots));
            string folder = outDir?.FullName ?? Path.GetFullPath(Path.Combine("runs", SpecFiles.Slug(spec.Name)));
            runner = new ExperimentRunner(spec, folder);
        }
        catch (SpecValidationException e)
        {
            SpecFiles.Report(error, specFile, "experiment spec", e);
            return TrainVerb.ExitCodes.BadSpec;
        }

        ImageSplits data;
        try { data = runner.Spec.Dataset.Load(); }
        catch (DatasetFileException e)
        {
            error.WriteLine($"dataset problem: {e.Message}");
            return TrainVerb.ExitCodes.BadData;
        }

        using (data)
        {
            output.WriteLine($"{runner.Spec.Name}: {runner.Plan.Steps.Count} steps on {data.Name} [{data.Train.Count} train / {data.Test.Count} test], " +
                             $"{DeviceChoice.Describe(DeviceChoice.Resolve(runner.Spec.Device))}; folder {runner.Directory}");
            var finished = new List<ModelResult>();
            runner.Event += e =>
            {
                switch (e)
                {
                    case StepStarted s:
                        output.WriteLine($"[{s.Index + 1}/{s.Total}] {s.Step.Key} ({s.Step.Column}, {Describe(s.Step)})");
                        break;
                    case StepEpochCompleted m:
                        output.WriteLine("    " + TrainVerb.FormatEpoch(m.Metrics, runner.Spec.Schedule.Epochs));
                        break;
                    case StepFinished f:
                        finished.Add(f.Result);
                        output.WriteLine($"    {f.Step.Key}: {Outcome(f.Result)}{(f.Reused ? " (finished earlier, reused)" : "")}");
                        if (!f.Reused) output.Write(ResultsTable.Render(runner.Plan, finished));
                        break;
                    case ExperimentLog l:
                        output.WriteLine($"    {l.Message}");
                        break;
                }
            };
            var outcome = await runner.RunAsync(data, ct);
            output.WriteLine();
            output.Write(ResultsTable.Render(runner.Plan, outcome.Results));
            output.WriteLine($"{outcome.Status.ToString().ToLowerInvariant()}{(outcome.Reason is null ? "" : ": " + outcome.Reason)}; " +
                             $"results in {Path.Combine(runner.Directory, "results.csv")}");
            return outcome.Status switch
            {
                TrainingStatus.Completed => TrainVerb.ExitCodes.Ok,
                TrainingStatus.Cancelled => TrainVerb.ExitCodes.Cancelled,
                _ => TrainVerb.ExitCodes.TrainingFailed,
            };
        }
    }

    static string Describe(PlanStep step) => step.Kind == StepKind.Ensemble
        ? $"softmax average of {string.Join(", ", step.Members)}"
        : $"{step.Model!.DisplayName}, {Training.Objectives.Objective.NameOf(step.Objective)}" +
          (step.TeacherKey is null ? "" : $" from {step.TeacherKey}");

    static string Outcome(ModelResult r) => r.Status != TrainingStatus.Completed
        ? $"{r.Status.ToString().ToLowerInvariant()}: {r.Reason}"
        : string.Create(CultureInfo.InvariantCulture, $"final-epoch test error {r.FinalTestError * 100:0.00}%") +
          (r.BestTestError is { } b ? string.Create(CultureInfo.InvariantCulture, $", best-epoch {b * 100:0.00}% (epoch {r.BestEpoch})") : "") +
          (r.ImprovementOverTeacher is { } d ? string.Create(CultureInfo.InvariantCulture, $", {d:+0.00;-0.00} points vs teacher") : "");
}
