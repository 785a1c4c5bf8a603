using System.CommandLine;
using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Features.Runs;

namespace BanStudio.Web.Cli;

/// <summary>
/// <c>outputs SPEC.json [SPEC.json]... --out DIR [--split train|test] [--test-limit N|all] [--step KEY]... [--against COLUMN] [--csv FILE] [--classes] [--classes-csv FILE]</c>:
/// section 3.2's view of the models an experiment trained (and its ensembles): for each, from its last checkpoint in DIR,
/// its error and loss and what its softmax outputs hand a student besides the label (<see cref="OutputProfile"/>); with
/// several seeds, each column's mean ± std and its difference from <c>--against</c>'s models of the same seeds
/// (<see cref="OutputSummary"/>). <c>--test-limit</c> scores on more (or fewer) test images than the spec trained with,
/// e.g. all of them after a study that used a few thousand for speed. Reads only; trains nothing.
/// </summary>
public static class OutputsVerb
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var spec = new Argument<FileInfo[]>("spec")
        {
            Description = "The experiment's JSON spec (the one given to run, or the live page's spec.json); several specs run into one --out folder " +
                          "(a Baseline spec beside its BAN spec) are profiled and summarised together.",
            Arity = ArgumentArity.OneOrMore,
        };
        var outDir = new Option<DirectoryInfo>("--out")
        {
            Description = "The experiment's folder: run's --out, or the app's runs/experiment-<id>.", Required = true,
        };
        var split = new Option<string>("--split")
        {
            Description = "Profile the outputs on the training images (what a student learns from; default) or the test images.",
            DefaultValueFactory = _ => ExperimentOutputs.TrainSplit,
        };
        split.AcceptOnlyFromAmong([.. ExperimentOutputs.Splits]);
        var testLimit = new Option<string?>("--test-limit")
        {
            Description = "Score on this many test images (all: the whole test set) instead of the spec's dataset.testLimit; the checkpoints are still matched against the spec as given. With --split test.",
        };
        var against = new Option<string[]>("--against")
        {
            Description = "The column every other column is paired with, seed by seed, in the summary over seeds (default: the teacher's), e.g. Baseline; repeat it for one summary per column.",
        };
        var steps = new Option<string[]>("--step") { Description = "Only this step (repeatable), e.g. seed-1/teacher. Default: every trained model and ensemble." };
        var csv = new Option<FileInfo?>("--csv") { Description = "Also write the figures to this CSV file." };
        var classes = new Option<bool>("--classes")
        {
            Description = "Also print the dark knowledge by class: for each true class, its mean p* and the classes its images get the most probability of besides it.",
        };
        var classesCsv = new Option<FileInfo?>("--classes-csv")
        {
            Description = "Also write the mean probability of every class on the images of every true class (one row per step, true class and class) to this CSV file.",
        };
        var dataRoot = new Option<DirectoryInfo[]>("--data-root")
        {
            Description = "Also read datasets from this folder (repeatable), as for run.",
        };
        var command = new Command("outputs",
            "Profile trained models' outputs as section 3.2 reads them: error and loss, p of the true class (Eq. 8), CWTM's max-p weights (Eq. 10), the dark-knowledge mass DKPP permutes (Eq. 11); " +
            "with several seeds, each column's mean ± std and its difference from the teacher's (or --against's) model of the same seed.")
        {
            spec, outDir, split, testLimit, steps, against, csv, classes, classesCsv, dataRoot,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(spec)!, parse.GetValue(outDir)!, parse.GetValue(split)!, parse.GetValue(testLimit),
            parse.GetValue(steps) ?? [], parse.GetValue(against) ?? [], new Files(parse.GetValue(csv), parse.GetValue(classes), parse.GetValue(classesCsv)),
            parse.GetValue(dataRoot) ?? [], output, error, ct));
        return command;
    }

    /// <summary>What to write besides the table: the figures' CSV, the by-class block, the by-class CSV.</summary>
    sealed record Files(FileInfo? Csv, bool Classes, FileInfo? ClassesCsv);

    /// <summary>How many neighbouring classes the by-class block names for each true class.</summary>
    const int Neighbours = 2;

    static async Task<int> RunAsync(FileInfo[] specFiles, DirectoryInfo folder, string splitName, string? testLimitText, string[] only, string[] againstColumns,
        Files files, DirectoryInfo[] extraRoots, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var roots = DatasetCatalog.Default.DataRoots.Concat(extraRoots.Select(r => r.FullName)).Distinct().ToArray();
        var specs = new List<ExperimentSpec>();
        foreach (var file in specFiles)
        {
            if (!SpecFiles.TryRead<ExperimentSpec>(file, "experiment spec", s => Check(s, roots), error, out var read))
                return TrainVerb.ExitCodes.BadSpec;
            specs.Add(read);
        }
        if (specs.Skip(1).FirstOrDefault(s => s.Dataset != specs[0].Dataset) is { } other)
        {
            error.WriteLine($"spec: {other.Name} trains on {other.Dataset.DisplayName} but {specs[0].Name} on {specs[0].Dataset.DisplayName}; " +
                            "give specs of one dataset (the same dataset block), as a Baseline spec beside its BAN spec");
            return TrainVerb.ExitCodes.BadSpec;
        }
        var plans = specs.Select(ExperimentPlan.Create).ToList();
        string these = specs.Count == 1 ? "this spec; its" : "these specs; their";
        var keys = plans.SelectMany(p => p.Steps.Select(s => s.Key)).Distinct().ToList();
        if (only.Except(keys).ToList() is { Count: > 0 } unknown)
        {
            error.WriteLine($"--step: {string.Join(", ", unknown)} is not a step of {these} steps are {string.Join(", ", keys)}");
            return TrainVerb.ExitCodes.BadSpec;
        }
        var columns = plans.SelectMany(p => p.Columns).Distinct().OrderBy(ExperimentPlan.ColumnOrder).ToList();
        string[] against = againstColumns.Length > 0 ? [.. againstColumns.Distinct()] : [plans[0].Steps[0].Column];
        if (against.FirstOrDefault(a => !columns.Contains(a)) is { } notColumn)
        {
            error.WriteLine($"--against: '{notColumn}' is not a column of {these} columns are {string.Join(", ", columns)}");
            return TrainVerb.ExitCodes.BadSpec;
        }
        var scored = specs[0].Dataset;
        if (testLimitText is not null)
        {
            if (!ExperimentOutputs.TryTestLimit(testLimitText, splitName, specs[0].Dataset, out var limit, out var why))
            {
                error.WriteLine($"--test-limit: {why}");
                return TrainVerb.ExitCodes.BadSpec;
            }
            scored = scored with { TestLimit = limit };
        }
        if (!folder.Exists)
        {
            error.WriteLine($"--out: {folder.FullName} does not exist; give the folder the experiment trained into");
            return TrainVerb.ExitCodes.BadSpec;
        }

        ImageSplits data;
        try { data = TorchThreads.Serially(() => scored.Load(new DatasetCatalog(roots, includeSystemFolders: false))); }
        catch (DatasetFileException e)
        {
            error.WriteLine($"dataset problem: {e.Message}");
            return TrainVerb.ExitCodes.BadData;
        }
        using (data)
        {
            var split = splitName == ExperimentOutputs.TestSplit ? data.Test : data.Train;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{string.Join(" + ", specs.Select(s => s.Name))}: outputs on the {splitName} split of {data.Name} ({split.Count} images, no augmentation), " +
                $"T = {string.Join(" / ", specs.Select(s => s.Temperature).Distinct())}, {DeviceChoice.Describe(DeviceChoice.Resolve(specs[0].Device))}"));
            output.WriteLine(Header);
            // Spec by spec, each step once: a key two specs share (a Baseline spec's teacher) is one checkpoint in the folder,
            // profiled for the first spec that names it (matches_spec says whether it was trained for that spec's step).
            var rows = new List<Profiled>();
            try
            {
                foreach (var (spec, plan) in specs.Zip(plans))
                {
                    var steps = plan.Steps.Select(s => s.Key).Where(k => (only.Length == 0 || only.Contains(k)) && rows.All(r => r.Outputs.Step.Key != k)).ToList();
                    if (steps.Count == 0) continue;
                    foreach (var s in await ExperimentOutputs.ProfileAsync(plan, folder.FullName, data, splitName, steps,
                                 s => output.WriteLine(Row(s, spec.Schedule.Epochs)), ct))
                        rows.Add(new(spec.Name, s, spec.Schedule.Epochs));
                }
            }
            catch (InvalidDataException e)
            {
                error.WriteLine($"checkpoint problem: {e.Message}");
                return TrainVerb.ExitCodes.TrainingFailed;
            }
            output.WriteLine();
            output.WriteLine("error: argmax wrong; loss: mean -ln p* in nats, the cross-entropy of these outputs (on the test images at T = 1, the test loss a run records);");
            output.WriteLine("p*: mean probability of the true class (Eq. 8's weight on the label gradient); max p: CWTM's mean weight (Eq. 10) and its spread (std/mean);");
            output.WriteLine("dark: mean mass off the argmax (what DKPP permutes, Eq. 11); H(dark): its entropy renormalised, / ln(n-1), 1 = uniform;");
            output.WriteLine("p* histogram: images with p* in [0,0.1) ... [0.9,1]. An ensemble's p is its members' average softmax (Eq. 4).");
            foreach (string column in against) WriteSummary(output, rows.Select(r => ProfiledModel.Of(r.Outputs, r.ScheduledEpochs)).ToList(), column);
            var outputs = rows.Select(r => r.Outputs).ToList();
            if (files.Classes) WriteClasses(output, outputs, data.ClassNames, splitName);
            if (files.Csv is { } csv)
            {
                using (var file = new StreamWriter(csv.FullName))
                    ExperimentOutputs.WriteCsv(file, splitName, rows.Select(r => (r.Experiment, r.Outputs.Step.Key, r.Outputs.Step.Column, r.Outputs.Step.Seed,
                        r.Outputs.Step.Generation, r.Outputs.Profile, r.Outputs.Epochs, r.Outputs.MatchesSpec)));
                output.WriteLine($"figures in {csv.FullName}");
            }
            if (files.ClassesCsv is { } classesCsv)
            {
                using (var file = new StreamWriter(classesCsv.FullName))
                    ExperimentOutputs.WriteClassesCsv(file, splitName, data.ClassNames, rows.Select(r => (r.Experiment, r.Outputs.Step.Key, r.Outputs.Step.Column, r.Outputs.Profile)));
                output.WriteLine($"mean probabilities by class in {classesCsv.FullName}");
            }
        }
        return TrainVerb.ExitCodes.Ok;
    }

    /// <summary>A profiled step, with the spec it was profiled for (its name, its schedule's epochs).</summary>
    sealed record Profiled(string Experiment, StepOutputs Outputs, int ScheduledEpochs);

    /// <summary>The <c>--classes</c> block of each profiled row; classes the dataset does not name are numbered.</summary>
    public static void WriteClasses(TextWriter output, IReadOnlyList<StepOutputs> rows, IReadOnlyList<string> names, string split)
    {
        foreach (var row in rows)
        {
            if (row.Profile is not { } p) continue;
            // Over the model's classes, not the dataset's names: a dataset may name none (then numbers stand in).
            int width = Math.Max(12, Enumerable.Range(0, p.ClassMeans.Length).Max(i => ExperimentOutputs.ClassName(names, i).Length));
            output.WriteLine();
            output.WriteLine($"{row.Step.Key} ({row.Step.Column}): by true class on the {split} images: how many, their mean p*, and the {Neighbours} classes they get the most of besides it");
            for (int c = 0; c < p.ClassMeans.Length; c++)
            {
                string name = ExperimentOutputs.ClassName(names, c).PadRight(width);
                output.WriteLine(p.ClassCounts[c] == 0
                    ? $"  {name} no images"
                    : string.Create(CultureInfo.InvariantCulture, $"  {name} {p.ClassCounts[c],6:N0}  p* {p.ClassMeans[c][c]:0.000}  ") +
                      string.Join(", ", p.Neighbours(c, Neighbours).Select(n => string.Create(CultureInfo.InvariantCulture, $"{ExperimentOutputs.ClassName(names, n.Class)} {n.MeanProbability:0.000}"))));
            }
            output.WriteLine("  most alike: " + string.Join(", ", p.SimilarPairs(5).Select(x =>
                string.Create(CultureInfo.InvariantCulture, $"{ExperimentOutputs.ClassName(names, x.True)} -> {ExperimentOutputs.ClassName(names, x.Class)} {x.MeanProbability:0.000}"))));
        }
    }

    /// <summary>
    /// The summary over seeds: each column's mean ± std (n) of error, loss and p*, and its paired difference from
    /// <paramref name="against"/>'s model of the same seed (<see cref="OutputSummaryText"/>). Printed only where some
    /// column has two seeds or more.
    /// </summary>
    static void WriteSummary(TextWriter output, IReadOnlyList<ProfiledModel> models, string against)
    {
        var columns = OutputSummary.Summarise(models, against, out var leftOut);
        if (!OutputSummary.SpansSeeds(columns)) return;
        output.WriteLine();
        output.WriteLine($"By column over its n seeds: mean ± std; {OutputSummaryText.Legend(against)}");
        output.WriteLine($"{"column",-10} {"n",3}  {"error %",-16} {"loss",-17} {"p*",-17} {"Δ error %",-36} Δ loss");
        foreach (var c in columns)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Column,-10} {c.Seeds.Count,3}  {OutputSummaryText.MeanStd(c.ErrorPercents, 2),-16} {OutputSummaryText.MeanStd(c.Losses, 3),-17} " +
                $"{OutputSummaryText.MeanStd(c.TrueProbabilities, 3),-17} {OutputSummaryText.Paired(c.ErrorAgainst, 2),-36} {OutputSummaryText.Paired(c.LossAgainst, 3)}").TrimEnd());
        foreach (var reason in OutputSummary.NoPValueReasons(columns)) output.WriteLine(reason);
        if (leftOut.Count > 0) output.WriteLine(OutputSummaryText.NotCounted(leftOut));
    }

    static IReadOnlyList<SpecError> Check(ExperimentSpec spec, IReadOnlyList<string> roots)
    {
        var errors = ExperimentValidation.Validate(spec, roots).ToList();
        if (ExperimentOutputs.Unsupported(spec) is { } why) errors.Add(new("dataset.kind", why));
        return errors;
    }

    static readonly string Header =
        $"{"step",-20} {"column",-10} {"error %",8} {"loss",7} {"p*",7} {"max p",7} {"spread",7} {"dark",7} {"H(dark)",8}  p* histogram";

    /// <summary>The marker of a checkpoint trained for another configuration than this spec's step.</summary>
    public const string OtherConfiguration = "(trained for another configuration than this spec's: run would train it again)";

    static string Row(StepOutputs s, int scheduled) => s.Profile is { } p
        ? Row(s.Step, p) + (s.Epochs < scheduled ? $"  (unfinished: epoch {s.Epochs} of {scheduled})" : "")
          + (s.MatchesSpec is false ? "  " + OtherConfiguration : "")
        : $"{s.Step.Key,-20} {s.Step.Column,-10} not trained yet: no {string.Join(", ", s.Missing)}";

    static string Row(PlanStep step, OutputProfile p) => string.Create(CultureInfo.InvariantCulture,
        $"{step.Key,-20} {step.Column,-10} {p.Error * 100,8:0.00} {p.Loss,7:0.000} {p.MeanTrueProbability,7:0.000} {p.MeanMaxProbability,7:0.000} " +
        $"{p.CwtmWeightSpread,7:0.000} {p.MeanDarkMass,7:0.000} {(p.DarkEntropy is { } h ? h.ToString("0.000", CultureInfo.InvariantCulture) : "-"),8}  {string.Join(' ', p.TrueProbabilityHistogram)}");
}
