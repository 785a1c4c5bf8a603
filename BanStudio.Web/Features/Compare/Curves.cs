using BanStudio.Training.Experiments;

namespace BanStudio.Web.Features.Compare;

/// <summary>What the curves plot per epoch; <see cref="Metric"/> is the row's own metric (test error % for images).</summary>
public enum CurveQuantity { Metric, TrainError, TestLoss, TrainLoss }

/// <summary>A seed group's curve: at each epoch the mean over the seeds that reached it, and their sample std (null below 2 seeds).</summary>
public sealed record CurveSeries(int Row, string RowLabel, string Column, IReadOnlyList<int> Epochs, IReadOnlyList<double> Mean,
    IReadOnlyList<double?> Std, int Seeds);

/// <summary>Turns the per-epoch rows of a comparison into seed-group curves for the side-by-side chart.</summary>
public static class Curves
{
    public static string Label(CurveQuantity quantity, ComparisonMetric metric) => quantity switch
    {
        CurveQuantity.Metric => metric.Label,
        CurveQuantity.TrainError => "train error (%)",
        CurveQuantity.TestLoss => "test loss",
        _ => "train loss",
    };

    /// <summary>
    /// One curve per (row, column) asked for. Each run's series is smoothed first (exponential moving average with
    /// weight <paramref name="smoothing"/> on the past, 0 = raw), then averaged across seeds, so the band is the
    /// spread of the smoothed runs. Failed runs are left out, as in the table; unfinished ones contribute the epochs they have.
    /// </summary>
    public static List<CurveSeries> Build(Comparison comparison, IEnumerable<EpochRow> epochs, IReadOnlyCollection<(int Row, string Column)> wanted,
        CurveQuantity quantity, double smoothing)
    {
        if (smoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "smoothing is a weight in [0, 1)");
        var result = new List<CurveSeries>();
        var rows = comparison.Rows.ToDictionary(r => r.Index);
        foreach (var group in epochs.Where(e => e.Status != "failed" && wanted.Contains((e.Row, e.Column)))
                     .GroupBy(e => (e.Row, e.Column)).OrderBy(g => g.Key.Row).ThenBy(g => ExperimentPlan.ColumnOrder(g.Key.Column)))
        {
            var metric = ComparisonMetric.ByKey(rows[group.Key.Row].Metric);
            Func<EpochRow, double> read = quantity switch
            {
                CurveQuantity.Metric => metric.Epoch,
                CurveQuantity.TrainError => e => e.TrainError * 100,
                CurveQuantity.TestLoss => e => e.TestLoss,
                _ => e => e.TrainLoss,
            };
            var perRun = group.GroupBy(e => (e.ExperimentId, e.RunKey))
                .Select(run => Smooth(run.OrderBy(e => e.Epoch).Select(e => (e.Epoch, read(e))).ToList(), smoothing))
                .ToList();
            var epochNumbers = perRun.SelectMany(r => r.Select(p => p.Epoch)).Distinct().Order().ToList();
            var mean = new List<double>();
            var std = new List<double?>();
            foreach (int epoch in epochNumbers)
            {
                var values = perRun.SelectMany(r => r.Where(p => p.Epoch == epoch).Select(p => p.Value)).ToList();
                mean.Add(Statistics.Mean(values));
                std.Add(values.Count >= 2 ? Statistics.StandardDeviation(values) : null);
            }
            result.Add(new CurveSeries(group.Key.Row, rows[group.Key.Row].Label, group.Key.Column, epochNumbers, mean, std, perRun.Count));
        }
        return result;
    }

    /// <summary>s₁ = x₁, sₜ = w·sₜ₋₁ + (1 − w)·xₜ: starts at the first value rather than at 0, so the start is not dragged down.</summary>
    public static List<(int Epoch, double Value)> Smooth(IReadOnlyList<(int Epoch, double Value)> series, double weight)
    {
        var smoothed = new List<(int, double)>(series.Count);
        double last = 0;
        for (int i = 0; i < series.Count; i++)
        {
            last = i == 0 ? series[i].Value : weight * last + (1 - weight) * series[i].Value;
            smoothed.Add((series[i].Epoch, last));
        }
        return smoothed;
    }
}
