using System.CommandLine;
using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;
using BanStudio.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Web.Cli;

/// <summary>
/// <c>outputs SPEC.json --out DIR [--split train|test] [--step KEY]... [--csv FILE]</c>: section 3.2's view of the
/// models an experiment trained (and its ensembles): for each, from its final checkpoint in DIR, what its softmax
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
            DefaultValueFactory = _ => "train",
        };
        split.AcceptOnlyFromAmong("train", "test");
        var steps = new Option<string[]>("--step") { Description = "Only this step (repeatable), e.g. seed-1/teacher. Default: every trained model and ensemble." };
        var csv = new Option<FileInfo?>("--csv") { Description = "Also write the figures to this CSV file." };
        var dataRoot = new Option<DirectoryInfo[]>("--data-root")
        {
            Description = "Also read datasets from this folder (repeatable), as for run.",
        };
        var command = new Command("outputs",
            "Profile trained models' outputs as section 3.2 reads them: p of the true class (Eq. 8), CWTM's max-p weights (Eq. 10), the dark-knowledge mass DKPP permutes (Eq. 11).")
        {
            spec, outDir, split, steps, csv, dataRoot,
        };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse.GetValue(spec)!, parse.GetValue(outDir)!, parse.GetValue(split)!,
            parse.GetValue(steps) ?? [], parse.GetValue(csv), parse.GetValue(dataRoot) ?? [], output, error, ct)));
        return command;
    }

    static int Run(FileInfo specFile, DirectoryInfo folder, string splitName, string[] only, FileInfo? csv, DirectoryInfo[] extraRoots,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        var roots = DatasetCatalog.Default.DataRoots.Concat(extraRoots.Select(r => r.FullName)).Distinct().ToArray();
        if (!SpecFiles.TryRead<ExperimentSpec>(specFile, "experiment spec", s => Check(s, roots), error, out var spec))
            return TrainVerb.ExitCodes.BadSpec;
        var plan = ExperimentPlan.Create(spec);
        var chosen = plan.Steps.Where(s => only.Length == 0 || only.Contains(s.Key)).ToList();
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
            var device = DeviceChoice.Resolve(spec.Device);
            var split = splitName == "test" ? data.Test : data.Train;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{spec.Name}: outputs on the {splitName} split of {data.Name} ({split.Count} images, no augmentation), T = {spec.Temperature}, {DeviceChoice.Describe(device)}"));
            output.WriteLine(Header);
            var rows = new List<(PlanStep Step, OutputProfile Profile)>();
            var models = new Dictionary<string, BanModel>();
            try
            {
                foreach (var step in chosen)
                {
                    ct.ThrowIfCancellationRequested();
                    var members = step.Kind == StepKind.Train ? [step.Key] : step.Members;
                    var missing = members.Select(k => Path.Combine(folder.FullName, k, Checkpoint.FileName)).Where(p => !File.Exists(p)).ToList();
                    if (missing.Count > 0)
                    {
                        output.WriteLine($"{step.Key,-20} {step.Column,-10} not trained yet: no {string.Join(", ", missing)}");
                        continue;
                    }
                    var loaded = members.Select(k => Load(models, plan.Steps.Single(s => s.Key == k), folder.FullName, data.Shape, device)).ToList();
                    var profile = OutputProfile.Measure(data, split, device, 500, spec.Temperature,
                        x => loaded.Count == 1 ? loaded[0].forward(x) : Ensemble.AverageSoftmax(loaded, x).clamp_min(1e-12).log().mul(spec.Temperature));
                    rows.Add((step, profile));
                    output.WriteLine(Row(step, profile));
                }
            }
            finally
            {
                foreach (var m in models.Values) m.Dispose();
            }
            output.WriteLine();
            output.WriteLine("error: argmax wrong; p*: mean probability of the true class (Eq. 8's weight on the label gradient); max p: CWTM's mean weight (Eq. 10) and");
            output.WriteLine("its spread (std/mean); dark: mean mass off the argmax (what DKPP permutes, Eq. 11); H(dark): its entropy renormalised, / ln(n-1), 1 = uniform;");
            output.WriteLine("p* histogram: images with p* in [0,0.1) ... [0.9,1]. An ensemble's p is its members' average softmax (Eq. 4).");
            if (csv is not null)
            {
                File.WriteAllText(csv.FullName, Csv(spec, splitName, rows));
                output.WriteLine($"figures in {csv.FullName}");
            }
        }
        return TrainVerb.ExitCodes.Ok;
    }

    static IReadOnlyList<SpecError> Check(ExperimentSpec spec, IReadOnlyList<string> roots)
    {
        var errors = ExperimentValidation.Validate(spec, roots).ToList();
        if (spec.Dataset is { IsText: true })
            errors.Add(new("dataset.kind", "outputs profiles image classifiers; a language model's outputs are per word (its perplexities are in run's results)"));
        return errors;
    }

    static BanModel Load(Dictionary<string, BanModel> models, PlanStep step, string folder, DataShape shape, Device device)
    {
        if (models.TryGetValue(step.Key, out var model)) return model;
        model = step.Model!.Build(shape);
        Checkpoint.LoadWeights(Path.Combine(folder, step.Folder, Checkpoint.FileName), model);
        model.to(device);
        model.eval();
        return models[step.Key] = model;
    }

    static readonly string Header =
        $"{"step",-20} {"column",-10} {"error %",8} {"p*",7} {"max p",7} {"spread",7} {"dark",7} {"H(dark)",8}  p* histogram";

    static string Row(PlanStep step, OutputProfile p) => string.Create(CultureInfo.InvariantCulture,
        $"{step.Key,-20} {step.Column,-10} {p.Error * 100,8:0.00} {p.MeanTrueProbability,7:0.000} {p.MeanMaxProbability,7:0.000} " +
        $"{p.CwtmWeightSpread,7:0.000} {p.MeanDarkMass,7:0.000} {(p.DarkEntropy is { } h ? h.ToString("0.000", CultureInfo.InvariantCulture) : "-"),8}  {string.Join(' ', p.TrueProbabilityHistogram)}");

    static string Csv(ExperimentSpec spec, string split, List<(PlanStep Step, OutputProfile Profile)> rows)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using var csv = new CsvHelper.CsvWriter(text, CultureInfo.InvariantCulture);
        foreach (var name in new[]
                 {
                     "experiment", "split", "key", "column", "seed", "generation", "samples", "temperature", "error", "mean_true_probability",
                     "mean_max_probability", "cwtm_weight_spread", "mean_dark_mass", "dark_entropy",
                 }.Concat(Enumerable.Range(0, OutputProfile.Bins).Select(b => $"true_p_bin_{b}")))
            csv.WriteField(name);
        csv.NextRecord();
        foreach (var (step, p) in rows)
        {
            foreach (var cell in new[] { spec.Name, split, step.Key, step.Column }) csv.WriteField(CsvCells.Text(cell));
            foreach (var number in new[] { step.Seed, step.Generation, p.Samples }) csv.WriteField(number.ToString(CultureInfo.InvariantCulture));
            foreach (var value in new[] { p.Temperature, p.Error, p.MeanTrueProbability, p.MeanMaxProbability, p.CwtmWeightSpread, p.MeanDarkMass })
                csv.WriteField(Number(value));
            csv.WriteField(p.DarkEntropy is { } h ? Number(h) : "");
            foreach (long count in p.TrueProbabilityHistogram) csv.WriteField(count.ToString(CultureInfo.InvariantCulture));
            csv.NextRecord();
        }
        csv.Flush();
        return text.ToString();
    }

    static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
