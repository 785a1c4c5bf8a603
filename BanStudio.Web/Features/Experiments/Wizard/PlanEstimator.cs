using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>A model's training speed as earlier runs in the database recorded it: the median over their epochs.</summary>
public sealed record Throughput(double ImagesPerSecond, int Epochs);

/// <summary>One plan step's expected wall time, and what that figure rests on.</summary>
public sealed record StepEstimate(PlanStep Step, double? Seconds, bool Measured, string Basis);

public sealed record PlanEstimate(IReadOnlyList<StepEstimate> Steps)
{
    public double TotalSeconds => Steps.Sum(s => s.Seconds ?? 0);

    /// <summary>True when every training's figure comes from measured throughput rather than the rough model.</summary>
    public bool AllMeasured => Steps.Where(s => s.Step.Kind == StepKind.Train).All(s => s.Measured);
}

/// <summary>
/// How long a plan will take. Where the database holds epochs of the same model
/// (<see cref="EpochMetric.ImagesPerSecond"/>: training images over the epoch's wall time, evaluation
/// included) an epoch is the training images over that rate. Otherwise a rough guess, labelled as
/// such: cost taken as parameters times the pixels of a half-size feature map, calibrated on one
/// measurement (a DenseNet-BC-22-12 on Fashion-MNIST trained at about 440 images/s on a 2-core CPU,
/// docs/results/fashion-mnist-smoke.md). It can be off several times either way; it only says
/// "minutes" versus "days".
/// </summary>
public static class PlanEstimator
{
    const double ReferenceRate = 440;
    const double ReferenceCost = 71_686.0 * 14 * 14;
    const int ReferenceCores = 2;
    /// <summary>A GPU trains these CIFAR networks very roughly this much faster than a 2-core CPU.</summary>
    const double GpuSpeedUp = 30;

    /// <summary>Median images per second per model name, over every recorded epoch of those models.</summary>
    public static async Task<IReadOnlyDictionary<string, Throughput>> MeasuredAsync(StudioDb db, IReadOnlyCollection<string> models, CancellationToken ct)
    {
        var rows = await db.EpochMetrics.AsNoTracking()
            .Where(m => models.Contains(m.Run!.Model) && m.ImagesPerSecond > 0)
            .Select(m => new { m.Run!.Model, m.ImagesPerSecond })
            .ToListAsync(ct);
        return rows.GroupBy(r => r.Model).ToDictionary(g => g.Key, g => new Throughput(Median(g.Select(r => r.ImagesPerSecond)), g.Count()));
    }

    /// <param name="parameters">The parameter count of a model on the experiment's data (for the rough guess).</param>
    public static PlanEstimate Estimate(ExperimentPlan plan, IReadOnlyDictionary<string, Throughput> measured, Func<ModelSpec, long> parameters)
    {
        var spec = plan.Spec;
        int images = TrainImages(spec.Dataset);
        var shape = DataShapes.Of(spec.Dataset);
        string unit = spec.Dataset.IsText ? "words" : "images";
        bool gpu = spec.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase);
        var steps = new List<StepEstimate>();
        foreach (var step in plan.Steps)
        {
            if (step.Kind == StepKind.Ensemble || step.Model is null)
            {
                steps.Add(new(step, null, true, $"evaluates {step.Members.Count} trained models on the test set: seconds"));
                continue;
            }
            double epochs = spec.Schedule.Epochs;
            if (measured.TryGetValue(step.Model.DisplayName, out var rate))
            {
                steps.Add(new(step, epochs * images / rate.ImagesPerSecond, true,
                    $"measured: {rate.ImagesPerSecond:0} {unit}/s over {rate.Epochs} earlier epochs of {step.Model.DisplayName}"));
                continue;
            }
            double cost = Cost(parameters(step.Model), shape);
            // A student also runs its teacher forward on every batch: about a third of a training step (a baseline,
            // trained from labels, does not).
            var teacher = !step.LearnsFromTeacher ? null : plan.Steps.FirstOrDefault(s => s.Key == step.TeacherKey)?.Model;
            if (teacher is not null) cost += Cost(parameters(teacher), shape) / 3;
            double roughRate = ReferenceRate * ReferenceCost / cost * Math.Max(1.0, Environment.ProcessorCount / (double)ReferenceCores)
                               * (gpu ? GpuSpeedUp : 1);
            steps.Add(new(step, epochs * images / roughRate, false,
                $"rough estimate (no earlier runs of {step.Model.DisplayName}): about {roughRate:0} {unit}/s{(gpu ? " on a GPU" : "")}"));
        }
        return new PlanEstimate(steps);
    }

    /// <summary>
    /// The training images one epoch goes through: the split's size, or the limit when lower. Text corpora count
    /// words (the limit counts words too); the built-in text's sentences are about <see cref="WordsPerBuiltinSentence"/> words.
    /// </summary>
    public static int TrainImages(DatasetSpec dataset)
    {
        if (dataset.IsText)
        {
            int words = dataset.Kind == Training.Language.TextDatasets.BuiltinText
                ? (dataset.TrainSize ?? Training.Language.BuiltinText.DefaultTrainSentences) * WordsPerBuiltinSentence
                : Datasets.TextDatasetEntries.Info(dataset.Kind).TrainCount;
            return dataset.TrainLimit is { } wordLimit ? Math.Min(wordLimit, words) : words;
        }
        int all = dataset.IsBuiltin ? dataset.TrainSize ?? BuiltinDataset.DefaultTrainSize : dataset.Info?.TrainCount ?? 0;
        return dataset.TrainLimit is { } limit ? Math.Min(limit, all) : all;
    }

    /// <summary>A rough count (subject, verb, object, sometimes a place, and the end of the sentence), for the estimate only.</summary>
    public const int WordsPerBuiltinSentence = 8;

    /// <summary>"45 s", "12 min", "3 h 20 min", "2 d 4 h".</summary>
    public static string Format(double seconds)
    {
        if (seconds < 90) return $"{Math.Max(1, Math.Round(seconds)):0} s";
        long minutes = (long)Math.Round(seconds / 60);
        if (minutes < 90) return $"{minutes} min";
        long hours = (long)Math.Round(seconds / 3600);
        return minutes < 48 * 60 ? $"{minutes / 60} h {minutes % 60} min" : $"{hours / 24} d {hours % 24} h";
    }

    static double Cost(long parameters, DataShape shape) => Math.Max(1, parameters) * Math.Pow(shape.ImageSize / 2.0, 2);

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
