using System.Globalization;
using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Experiments;

/// <summary>
/// One step's <see cref="OutputProfile"/>, or the checkpoints it still lacks (then <see cref="Profile"/> is null).
/// <see cref="Epochs"/>: the epochs its checkpoint holds (an ensemble's: its least trained member's), fewer than the
/// schedule's for a step a cancel or a crash stopped: then the profile is of those weights, not final ones.
/// <see cref="MatchesSpec"/>: whether the checkpoint (an ensemble's: every member's) was trained for this spec's step (its
/// configuration fingerprint, <see cref="ExperimentRunner.FingerprintOf"/>, is the one stored in the checkpoint); false
/// when the spec was edited after the run (other schedule, seed, temperature of a BAN, or teacher): the profile is then of
/// the old weights, which <c>run</c> would train again. Null for a step without a profile.
/// </summary>
public sealed record StepOutputs(PlanStep Step, OutputProfile? Profile, IReadOnlyList<string> Missing, int? Epochs = null, bool? MatchesSpec = null);

/// <summary>
/// Section 3.2's profile (<see cref="OutputProfile"/>) of every trained model and ensemble of an experiment, read from
/// the last checkpoints in its folder (final ones unless a cancel or crash stopped a step); trains nothing. Shared by the <c>outputs</c> verb and the web app.
/// </summary>
public static class ExperimentOutputs
{
    public const string TrainSplit = "train", TestSplit = "test";

    /// <summary>The test-limit override that scores on the whole test set (<see cref="TryTestLimit"/>).</summary>
    public const string WholeTestSet = "all";
    public static readonly IReadOnlyList<string> Splits = [TrainSplit, TestSplit];

    /// <summary>
    /// Reads a test-set override for profiling: <c>all</c> (the whole test set) or a number of test images, in place of
    /// the spec's <c>dataset.testLimit</c>, on the test split only (the training images are the ones the models learnt
    /// from). Checked as <c>dataset.testLimit</c> would be; <paramref name="why"/> says what is wrong otherwise.
    /// </summary>
    public static bool TryTestLimit(string text, string split, DatasetSpec dataset, out int? limit, out string why)
    {
        limit = null;
        why = "";
        if (split != TestSplit)
        {
            why = "applies to the test split (the training images are the ones the models learnt from; trainLimit stays the spec's)";
            return false;
        }
        if (!text.Equals(WholeTestSet, StringComparison.OrdinalIgnoreCase))
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                why = $"'{text}' is not a number of test images; give one, e.g. 10000, or {WholeTestSet} for the whole test set";
                return false;
            }
            limit = n;
        }
        var errors = (dataset with { TestLimit = limit }).Validate(checkFiles: false).Where(e => e.Field == "dataset.testLimit").ToList();
        why = errors.Count == 0 ? "" : string.Join("; ", errors.Select(e => e.Message)) + $"; give a number of test images it has, or {WholeTestSet} for the whole test set";
        return errors.Count == 0;
    }

    /// <summary>Null when <paramref name="spec"/> can be profiled; else why not (language models are per word).</summary>
    public static string? Unsupported(ExperimentSpec spec) => spec.Dataset is { IsText: true }
        ? "outputs profiles image classifiers; a language model's outputs are per word (its perplexities are in the run's results)"
        : null;

    /// <summary>
    /// Profiles <paramref name="only"/> (or every step) in plan order on the <see cref="TrainingThread"/>, calling
    /// <paramref name="each"/> as each is done. The last checkpoint of a finished step is its final weights (<see cref="StepOutputs.Epochs"/> says how many it holds). A checkpoint that
    /// cannot be read throws <see cref="InvalidDataException"/> naming its path.
    /// </summary>
    public static Task<IReadOnlyList<StepOutputs>> ProfileAsync(ExperimentPlan plan, string folder, ImageSplits data, string split,
        IReadOnlyCollection<string>? only = null, Action<StepOutputs>? each = null, CancellationToken ct = default) =>
        TrainingThread.Run(() => Profile(plan, folder, data, split, only, each, ct), ct);

    static IReadOnlyList<StepOutputs> Profile(ExperimentPlan plan, string folder, ImageSplits data, string split,
        IReadOnlyCollection<string>? only, Action<StepOutputs>? each, CancellationToken ct)
    {
        if (!Splits.Contains(split)) throw new ArgumentException($"split must be \"{TrainSplit}\" or \"{TestSplit}\", not \"{split}\"", nameof(split));
        var images = split == TestSplit ? data.Test : data.Train;
        var device = DeviceChoice.Resolve(plan.Spec.Device);
        double temperature = plan.Spec.Temperature;
        var results = new List<StepOutputs>();
        var fingerprints = ExperimentRunner.Fingerprints(plan);
        var models = new Dictionary<string, Trained>();
        try
        {
            foreach (var step in plan.Steps.Where(s => only is null || only.Contains(s.Key)))
            {
                ct.ThrowIfCancellationRequested();
                IReadOnlyList<string> members = step.Kind == StepKind.Train ? [step.Key] : step.Members;
                var missing = members.Select(k => Path.Combine(folder, k, Checkpoint.FileName)).Where(p => !File.Exists(p)).ToList();
                OutputProfile? profile = null;
                int? epochs = null;
                bool? matches = null;
                if (missing.Count == 0)
                {
                    var trained = members.Select(k => Load(models, plan.Steps.Single(s => s.Key == k), folder, data.Shape, device)).ToList();
                    var loaded = trained.Select(m => m.Model).ToList();
                    epochs = trained.Min(m => m.Epochs);
                    matches = members.Zip(trained).All(m => m.Second.Fingerprint == fingerprints[m.First]);
                    // An ensemble's p is its members' average softmax (Eq. 4): its log, times T, gives it back at temperature T.
                    profile = OutputProfile.Measure(data, images, device, 500, temperature, x => loaded.Count == 1
                        ? loaded[0].forward(x)
                        : Ensemble.AverageSoftmax(loaded, x).clamp_min(1e-12).log().mul(temperature));
                }
                var outputs = new StepOutputs(step, profile, missing, epochs, matches);
                results.Add(outputs);
                each?.Invoke(outputs);
            }
        }
        finally
        {
            foreach (var m in models.Values) m.Model.Dispose();
        }
        return results;
    }

    sealed record Trained(BanModel Model, int Epochs, string Fingerprint);

    static Trained Load(Dictionary<string, Trained> models, PlanStep step, string folder, DataShape shape, Device device)
    {
        if (models.TryGetValue(step.Key, out var known)) return known;
        var model = step.Model!.Build(shape);
        string path = Path.Combine(folder, step.Folder, Checkpoint.FileName);
        Checkpoint.Header header;
        try { header = Checkpoint.LoadWeights(path, model); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            model.Dispose();
            // Truncated, overwritten, or of another model: named with its path, whatever TorchSharp threw.
            throw e as InvalidDataException ?? new InvalidDataException($"{path}: the checkpoint cannot be read ({e.Message})", e);
        }
        foreach (var p in model.parameters()) p.requires_grad = false;
        model.to(device);
        model.eval();
        return models[step.Key] = new Trained(model, header.EpochsDone, header.Fingerprint);
    }

    /// <summary>One row per profiled step (steps without a profile are left out); text cells neutralised, numbers in full.</summary>
    public static void WriteCsv(TextWriter text, string split,
        IEnumerable<(string Experiment, string Key, string Column, long Seed, int Generation, OutputProfile? Profile, int? Epochs, bool? MatchesSpec)> rows)
    {
        using var csv = new CsvHelper.CsvWriter(text, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var name in new[]
                 {
                     "experiment", "split", "key", "column", "seed", "generation", "epochs", "matches_spec", "samples", "temperature", "error", "loss", "mean_true_probability",
                     "mean_max_probability", "cwtm_weight_spread", "mean_dark_mass", "dark_entropy",
                 }.Concat(Enumerable.Range(0, OutputProfile.Bins).Select(b => $"true_p_bin_{b}")))
            csv.WriteField(name);
        csv.NextRecord();
        foreach (var (experiment, key, column, seed, generation, p, epochs, matches) in rows)
        {
            if (p is null) continue;
            foreach (var cell in new[] { experiment, split, key, column }) csv.WriteField(CsvCells.Text(cell));
            foreach (var number in new[] { seed, generation, epochs ?? 0 }) csv.WriteField(number.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(matches is false ? "false" : "true");
            csv.WriteField(p.Samples.ToString(CultureInfo.InvariantCulture));
            foreach (var value in new[] { p.Temperature, p.Error, p.Loss, p.MeanTrueProbability, p.MeanMaxProbability, p.CwtmWeightSpread, p.MeanDarkMass })
                csv.WriteField(Number(value));
            csv.WriteField(p.DarkEntropy is { } h ? Number(h) : "");
            foreach (long count in p.TrueProbabilityHistogram) csv.WriteField(count.ToString(CultureInfo.InvariantCulture));
            csv.NextRecord();
        }
    }

    /// <summary>
    /// The dark knowledge by class (<see cref="OutputProfile.ClassMeans"/>) of every profiled step, long format: one row
    /// per (step, true class, class) with the mean probability the step's outputs give that class on images of the true one.
    /// </summary>
    public static void WriteClassesCsv(TextWriter text, string split, IReadOnlyList<string> classNames,
        IEnumerable<(string Experiment, string Key, string Column, OutputProfile? Profile)> rows)
    {
        using var csv = new CsvHelper.CsvWriter(text, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var name in new[] { "experiment", "split", "key", "column", "true_class", "true_class_name", "images", "class", "class_name", "mean_probability" })
            csv.WriteField(name);
        csv.NextRecord();
        foreach (var (experiment, key, column, p) in rows)
        {
            if (p is null) continue;
            for (int i = 0; i < p.ClassMeans.Length; i++)
                for (int j = 0; j < p.ClassMeans[i].Length; j++)
                {
                    foreach (var cell in new[] { experiment, split, key, column }) csv.WriteField(CsvCells.Text(cell));
                    csv.WriteField(i.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(CsvCells.Text(ClassName(classNames, i)));
                    csv.WriteField(p.ClassCounts[i].ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(j.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(CsvCells.Text(ClassName(classNames, j)));
                    csv.WriteField(Number(p.ClassMeans[i][j]));
                    csv.NextRecord();
                }
        }
    }

    /// <summary>The dataset's name of class <paramref name="index"/>, or its number where the dataset names none.</summary>
    public static string ClassName(IReadOnlyList<string> names, int index) =>
        index < names.Count && !string.IsNullOrWhiteSpace(names[index]) ? names[index] : index.ToString(CultureInfo.InvariantCulture);

    static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
