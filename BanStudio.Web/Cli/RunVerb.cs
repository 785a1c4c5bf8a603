using System.CommandLine;
using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Language;
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
            string folder = outDir?.FullName ?? Path.GetFullPath(Path.Combine("runs", SpecFiles.Slug(spec.Name)));
            runner = new ExperimentRunner(spec, folder);
        }
        catch (SpecValidationException e)
        {
            SpecFiles.Report(error, specFile, "experiment spec", e);
            return TrainVerb.ExitCodes.BadSpec;
        }

        if (runner.Spec.Dataset.IsText) return await RunLanguageAsync(runner, output, error, ct);

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
            Follow(runner, output);
            return Finish(runner, await runner.RunAsync(data, ct), output);
        }
    }

    /// <summary>A language-model experiment (PTB, Table 6): the corpus instead of images, the same plan and output.</summary>
    static async Task<int> RunLanguageAsync(ExperimentRunner runner, TextWriter output, TextWriter error, CancellationToken ct)
    {
        CorpusSplits corpus;
        try { corpus = TextDatasets.Load(runner.Spec.Dataset); }
        catch (DatasetFileException e)
        {
            error.WriteLine($"dataset problem: {e.Message}");
            return TrainVerb.ExitCodes.BadData;
        }
        output.WriteLine($"{runner.Spec.Name}: {runner.Plan.Steps.Count} steps on {corpus.Describe()}" +
                         $"{(corpus.Location is null ? "" : $" (from {corpus.Location})")}, " +
                         $"{DeviceChoice.Describe(DeviceChoice.Resolve(runner.Spec.Device))}; folder {runner.Directory}");
        Follow(runner, output);
        return Finish(runner, await runner.RunAsync(corpus, ct), output);
    }

    static void Follow(ExperimentRunner runner, TextWriter output)
    {
        var finished = new List<ModelResult>();
        runner.Event += e =>
        {
            switch (e)
            {
                case StepStarted s:
                    output.WriteLine($"[{s.Index + 1}/{s.Total}] {s.Step.Key} ({s.Step.Column}, {Describe(s.Step)})");
                    break;
                case StepEpochCompleted m:
                    output.WriteLine("    " + (m.Metrics.ValidLoss is null
                        ? TrainVerb.FormatEpoch(m.Metrics, runner.Spec.Schedule.Epochs)
                        : FormatLanguageEpoch(m.Metrics, runner.Spec.Schedule.Epochs)));
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
    }

    static int Finish(ExperimentRunner runner, ExperimentOutcome outcome, TextWriter output)
    {
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

    /// <summary>One language-model epoch: perplexities (exp of the per-word losses), learning rate, words/s.</summary>
    public static string FormatLanguageEpoch(EpochMetrics m, int epochs) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {m.Epoch}/{epochs}: train ppl {Math.Exp(m.TrainLoss):0.00}, valid ppl {Math.Exp(m.ValidLoss ?? double.NaN):0.00}, " +
        $"test ppl {Math.Exp(m.TestLoss):0.00}, lr {m.LearningRate:0.####}, {m.ImagesPerSecond:0} words/s, {m.Seconds:0.0} s");

    static string Describe(PlanStep step) => step.Kind == StepKind.Ensemble
        ? $"softmax average of {string.Join(", ", step.Members)}"
        : $"{step.Model!.DisplayName}, {Training.Objectives.Objective.NameOf(step.Objective)}" +
          (step.TeacherKey is null ? "" : $" from {step.TeacherKey}");

    static string Outcome(ModelResult r) => r.Status != TrainingStatus.Completed
        ? $"{r.Status.ToString().ToLowerInvariant()}: {r.Reason}"
        : r.FinalValidPerplexity is { } valid
        ? string.Create(CultureInfo.InvariantCulture, $"final-epoch valid perplexity {valid:0.00}, test perplexity {r.FinalTestPerplexity:0.00}")
        : string.Create(CultureInfo.InvariantCulture, $"final-epoch test error {r.FinalTestError * 100:0.00}%") +
          (r.BestTestError is { } b ? string.Create(CultureInfo.InvariantCulture, $", best-epoch {b * 100:0.00}% (epoch {r.BestEpoch})") : "") +
          (r.ImprovementOverTeacher is { } d ? string.Create(CultureInfo.InvariantCulture, $", {d:+0.00;-0.00} points vs teacher") : "");
}
