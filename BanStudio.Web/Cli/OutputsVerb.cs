using System.CommandLine;
using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;

namespace BanStudio.Web.Cli;

/// <summary>
/// <c>outputs SPEC.json --out DIR [--split train|test] [--step KEY]... [--csv FILE] [--classes] [--classes-csv FILE]</c>: section 3.2's view of the
/// models an experiment trained (and its ensembles): for each, from its last checkpoint in DIR, what its softmax
/// outputs hand a student besides the label (<see cref="OutputProfile"/>). Reads only; trains nothing.
/// </summary>
public static class OutputsVerb
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var spec = new Argument<FileInfo>("spec") { Description = "The experiment's JSON spec (the one given to run, or the live page's spec.json)." };
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
            "Profile trained models' outputs as section 3.2 reads them: p of the true class (Eq. 8), CWTM's max-p weights (Eq. 10), the dark-knowledge mass DKPP permutes (Eq. 11).")
        {
            spec, outDir, split, steps, csv, classes, classesCsv, dataRoot,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(spec)!, parse.GetValue(outDir)!, parse.GetValue(split)!,
            parse.GetValue(steps) ?? [], new Files(parse.GetValue(csv), parse.GetValue(classes), parse.GetValue(classesCsv)),
            parse.GetValue(dataRoot) ?? [], output, error, ct));
        return command;
    }

    /// <summary>What to write besides the table: the figures' CSV, the by-class block, the by-class CSV.</summary>
    sealed record Files(FileInfo? Csv, bool Classes, FileInfo? ClassesCsv);

    /// <summary>How many neighbouring classes the by-class block names for each true class.</summary>
    const int Neighbours = 2;

    static async Task<int> RunAsync(FileInfo specFile, DirectoryInfo folder, string splitName, string[] only, Files files, DirectoryInfo[] extraRoots,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        var roots = DatasetCatalog.Default.DataRoots.Concat(extraRoots.Select(r => r.FullName)).Distinct().ToArray();
        if (!SpecFiles.TryRead<ExperimentSpec>(specFile, "experiment spec", s => Check(s, roots), error, out var spec))
            return TrainVerb.ExitCodes.BadSpec;
        var plan = ExperimentPlan.Create(spec);
        if (only.Except(plan.Steps.Select(s => s.Key)).ToList() is { Count: > 0 } unknown)
        {
            error.WriteLine($"--step: {string.Join(", ", unknown)} is not a step of this spec; its steps are {string.Join(", ", plan.Steps.Select(s => s.Key))}");
            return TrainVerb.ExitCodes.BadSpec;
        }
        if (!folder.Exists)
        {
            error.WriteLine($"--out: {folder.FullName} does not exist; give the folder the experiment trained into");
            return TrainVerb.ExitCodes.BadSpec;
        }

        ImageSplits data;
        try { data = TorchThreads.Serially(() => spec.Dataset.Load(new DatasetCatalog(roots, includeSystemFolders: false))); }
        catch (DatasetFileException e)
        {
            error.WriteLine($"dataset problem: {e.Message}");
            return TrainVerb.ExitCodes.BadData;
        }
        using (data)
        {
            var split = splitName == ExperimentOutputs.TestSplit ? data.Test : data.Train;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{spec.Name}: outputs on the {splitName} split of {data.Name} ({split.Count} images, no augmentation), T = {spec.Temperature}, " +
                $"{DeviceChoice.Describe(DeviceChoice.Resolve(spec.Device))}"));
            output.WriteLine(Header);
            IReadOnlyList<StepOutputs> rows;
            try
            {
                rows = await ExperimentOutputs.ProfileAsync(plan, folder.FullName, data, splitName, only.Length == 0 ? null : only,
                    s => output.WriteLine(Row(s, spec.Schedule.Epochs)), ct);
            }
            catch (InvalidDataException e)
            {
                error.WriteLine($"checkpoint problem: {e.Message}");
                return TrainVerb.ExitCodes.TrainingFailed;
            }
            output.WriteLine();
            output.WriteLine("error: argmax wrong; p*: mean probability of the true class (Eq. 8's weight on the label gradient); max p: CWTM's mean weight (Eq. 10) and");
            output.WriteLine("its spread (std/mean); dark: mean mass off the argmax (what DKPP permutes, Eq. 11); H(dark): its entropy renormalised, / ln(n-1), 1 = uniform;");
            output.WriteLine("p* histogram: images with p* in [0,0.1) ... [0.9,1]. An ensemble's p is its members' average softmax (Eq. 4).");
            if (files.Classes) WriteClasses(output, rows, data.ClassNames, splitName);
            if (files.Csv is { } csv)
            {
                using (var file = new StreamWriter(csv.FullName)) ExperimentOutputs.WriteCsv(file, spec.Name, splitName, rows.Select(r => (r.Step.Key, r.Step.Column, r.Step.Seed, r.Step.Generation, r.Profile, r.Epochs, r.MatchesSpec)));
                output.WriteLine($"figures in {csv.FullName}");
            }
            if (files.ClassesCsv is { } classesCsv)
            {
                using (var file = new StreamWriter(classesCsv.FullName))
                    ExperimentOutputs.WriteClassesCsv(file, spec.Name, splitName, data.ClassNames, rows.Select(r => (r.Step.Key, r.Step.Column, r.Profile)));
                output.WriteLine($"mean probabilities by class in {classesCsv.FullName}");
            }
        }
        return TrainVerb.ExitCodes.Ok;
    }

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

    static IReadOnlyList<SpecError> Check(ExperimentSpec spec, IReadOnlyList<string> roots)
    {
        var errors = ExperimentValidation.Validate(spec, roots).ToList();
        if (ExperimentOutputs.Unsupported(spec) is { } why) errors.Add(new("dataset.kind", why));
        return errors;
    }

    static readonly string Header =
        $"{"step",-20} {"column",-10} {"error %",8} {"p*",7} {"max p",7} {"spread",7} {"dark",7} {"H(dark)",8}  p* histogram";

    /// <summary>The marker of a checkpoint trained for another configuration than this spec's step.</summary>
    public const string OtherConfiguration = "(trained for another configuration than this spec's: run would train it again)";

    static string Row(StepOutputs s, int scheduled) => s.Profile is { } p
        ? Row(s.Step, p) + (s.Epochs < scheduled ? $"  (unfinished: epoch {s.Epochs} of {scheduled})" : "")
          + (s.MatchesSpec is false ? "  " + OtherConfiguration : "")
        : $"{s.Step.Key,-20} {s.Step.Column,-10} not trained yet: no {string.Join(", ", s.Missing)}";

    static string Row(PlanStep step, OutputProfile p) => string.Create(CultureInfo.InvariantCulture,
        $"{step.Key,-20} {step.Column,-10} {p.Error * 100,8:0.00} {p.MeanTrueProbability,7:0.000} {p.MeanMaxProbability,7:0.000} " +
        $"{p.CwtmWeightSpread,7:0.000} {p.MeanDarkMass,7:0.000} {(p.DarkEntropy is { } h ? h.ToString("0.000", CultureInfo.InvariantCulture) : "-"),8}  {string.Join(' ', p.TrueProbabilityHistogram)}");
}
