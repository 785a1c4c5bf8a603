using BanStudio.Web.Infrastructure.Data;
using CsvHelper.Configuration.Attributes;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Features.Compare;

/// <summary>
/// One epoch of one run of a comparison, with the configuration row it belongs to: the per-epoch export (CSV and
/// JSON) and what the curves are drawn from. Errors are fractions, as in the experiment's own metrics.csv.
/// </summary>
public sealed class EpochRow
{
    [Name("row")] public int Row { get; init; }
    [Name("configuration")] public string Configuration { get; init; } = "";
    [Name("experiment_id")] public int ExperimentId { get; init; }
    [Name("run_key")] public string RunKey { get; init; } = "";
    [Name("column")] public string Column { get; init; } = "";
    [Name("seed")] public long Seed { get; init; }
    [Name("status")] public string Status { get; init; } = "";
    [Name("epoch")] public int Epoch { get; init; }
    [Name("train_loss")] public double TrainLoss { get; init; }
    [Name("train_error")] public double TrainError { get; init; }
    [Name("test_loss")] public double TestLoss { get; init; }
    [Name("test_error")] public double TestError { get; init; }
    [Name("test_top5_error")] public double? TestTop5Error { get; init; }
    [Name("learning_rate")] public double LearningRate { get; init; }
    [Name("seconds")] public double Seconds { get; init; }
    /// <summary>Language models only (null for images): the validation loss per word and the three perplexities.</summary>
    [Name("valid_loss")] public double? ValidLoss { get; init; }
    [Name("train_perplexity")] public double? TrainPerplexity => ValidLoss is null ? null : Math.Exp(TrainLoss);
    [Name("valid_perplexity")] public double? ValidPerplexity => ValidLoss is { } v ? Math.Exp(v) : null;
    [Name("test_perplexity")] public double? TestPerplexity => ValidLoss is null ? null : Math.Exp(TestLoss);

    /// <summary>Every epoch of every run of the comparison's rows, by row, then plan order, then epoch.</summary>
    public static async Task<List<EpochRow>> LoadAsync(StudioDb db, Comparison comparison, CancellationToken ct)
    {
        var rowOf = comparison.Rows.SelectMany(r => r.ExperimentIds.Select(id => (id, r))).ToDictionary(x => x.id, x => x.r);
        var ids = rowOf.Keys.ToList();
        var raw = await db.EpochMetrics.AsNoTracking().Where(m => ids.Contains(m.Run!.ExperimentId))
            .Select(m => new { m.Run!.ExperimentId, m.Run.StepIndex, m.Run.Key, m.Run.Column, m.Run.Seed, m.Run.Status, Metric = m })
            .ToListAsync(ct);
        return raw.Select(x => (Row: rowOf[x.ExperimentId], x))
            .OrderBy(p => p.Row.Index).ThenBy(p => p.x.ExperimentId).ThenBy(p => p.x.StepIndex).ThenBy(p => p.x.Metric.Epoch)
            .Select(p => new EpochRow
            {
                Row = p.Row.Index, Configuration = p.Row.Label, ExperimentId = p.x.ExperimentId, RunKey = p.x.Key, Column = p.x.Column,
                Seed = p.x.Seed, Status = Words.Of(p.x.Status), Epoch = p.x.Metric.Epoch, TrainLoss = p.x.Metric.TrainLoss,
                TrainError = p.x.Metric.TrainError, TestLoss = p.x.Metric.TestLoss, TestError = p.x.Metric.TestError,
                TestTop5Error = p.x.Metric.TestTop5Error, LearningRate = p.x.Metric.LearningRate, Seconds = p.x.Metric.Seconds,
                ValidLoss = p.x.Metric.ValidLoss,
            })
            .ToList();
    }
}
