namespace BanStudio.Training.Experiments;

/// <summary>
/// A column's difference from the reference column, paired by seed: the mean of (the reference − this column) over the
/// seeds both have, as the Compare page's Δ (positive: this column is lower, i.e. better in error or loss), in how many
/// of those <see cref="Pairs"/> this column is <see cref="Lower"/>, and the paired t-test (<see cref="Statistics.Paired"/>)
/// or why there is none.
/// </summary>
public sealed record OutputPairing(int Pairs, int Lower, double MeanDifference, PairedSignificance Significance);

/// <summary>
/// One column's profiles over its seeds (<see cref="Seeds"/>, in plan order): test or train error in percent, loss in nats
/// (<see cref="OutputProfile.Loss"/>), mean p_*; and each paired against the reference column (null for the reference
/// itself and for a column that shares no seed with it).
/// </summary>
public sealed record OutputColumnSummary(
    string Column, IReadOnlyList<long> Seeds, IReadOnlyList<double> ErrorPercents, IReadOnlyList<double> Losses, IReadOnlyList<double> TrueProbabilities,
    OutputPairing? ErrorAgainst, OutputPairing? LossAgainst);

/// <summary>
/// One profiled model (or ensemble) as <see cref="OutputSummary"/> reads it: its step's key, column and seed, its profile
/// (null: not trained yet), the epochs its checkpoint holds against its spec's <paramref name="ScheduledEpochs"/>, and
/// whether it was trained for its spec's configuration.
/// </summary>
public sealed record ProfiledModel(string Key, string Column, long Seed, OutputProfile? Profile, int? Epochs, bool? MatchesSpec, int ScheduledEpochs)
{
    public static ProfiledModel Of(StepOutputs s, int scheduledEpochs) =>
        new(s.Step.Key, s.Step.Column, s.Step.Seed, s.Profile, s.Epochs, s.MatchesSpec, scheduledEpochs);
}

/// <summary>
/// The <c>outputs</c> table summarised over seeds, the way the Compare page treats runs: per column the mean ± std of
/// each figure and, against a reference column, the paired difference of the same seed's models. Only final weights of
/// its spec (each row comes with its spec's scheduled epochs) count: a step without a profile, an unfinished checkpoint
/// or one trained for another configuration is left out, and <see cref="Summarise"/> says which and why.
/// </summary>
public static class OutputSummary
{
    public static IReadOnlyList<OutputColumnSummary> Summarise(IEnumerable<ProfiledModel> models, string against,
        out IReadOnlyList<(string Key, string Why)> leftOut)
    {
        var skipped = new List<(string Key, string Why)>();
        var counted = new List<ProfiledModel>();
        foreach (var model in models)
        {
            string? why = model.Profile is null ? "not trained yet"
                : model.Epochs < model.ScheduledEpochs ? $"unfinished: epoch {model.Epochs} of {model.ScheduledEpochs}"
                : model.MatchesSpec is false ? "trained for another configuration"
                : null;
            if (why is null) counted.Add(model);
            else skipped.Add((model.Key, why));
        }
        leftOut = skipped;

        // One model per column and seed (the first in plan order, should a spec ever give a seed two of a column).
        // Columns in Table 2's order.
        var byColumn = counted.GroupBy(c => c.Column).OrderBy(g => ExperimentPlan.ColumnOrder(g.Key))
            .Select(g => (Column: g.Key, Models: g.GroupBy(c => c.Seed).Select(s => s.First()).ToList())).ToList();
        var reference = byColumn.Where(c => c.Column == against).Select(c => c.Models.ToDictionary(m => m.Seed, m => m.Profile!)).FirstOrDefault();
        return byColumn.Select(column =>
        {
            var models = column.Models;
            OutputPairing? Pair(Func<OutputProfile, double> figure)
            {
                if (column.Column == against || reference is null) return null;
                var pairs = models.Where(m => reference.ContainsKey(m.Seed))
                    .Select(m => (Reference: figure(reference[m.Seed]), Column: figure(m.Profile!))).ToList();
                return pairs.Count == 0 ? null
                    : new OutputPairing(pairs.Count, pairs.Count(p => p.Column < p.Reference), pairs.Average(p => p.Reference - p.Column), Statistics.Paired(pairs));
            }
            return new OutputColumnSummary(column.Column, models.Select(m => m.Seed).ToList(),
                models.Select(m => ErrorPercent(m.Profile!)).ToList(), models.Select(m => m.Profile!.Loss).ToList(),
                models.Select(m => m.Profile!.MeanTrueProbability).ToList(), Pair(ErrorPercent), Pair(p => p.Loss));
        }).ToList();
    }

    /// <summary>Whether a summary says more than the rows it sums: some column has two seeds or more (else it is not shown).</summary>
    public static bool SpansSeeds(IEnumerable<OutputColumnSummary> columns) => columns.Any(c => c.Seeds.Count >= 2);

    /// <summary>Each distinct reason a Δ cell of <paramref name="columns"/> has no p-value, in first-seen order (said once under a table).</summary>
    public static IReadOnlyList<string> NoPValueReasons(IEnumerable<OutputColumnSummary> columns) =>
        columns.SelectMany(c => new[] { c.ErrorAgainst, c.LossAgainst }).Select(p => p?.Significance.Reason).OfType<string>().Distinct().ToList();

    static double ErrorPercent(OutputProfile p) => p.Error * 100;
}
