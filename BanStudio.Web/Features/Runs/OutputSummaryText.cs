using BanStudio.Training.Experiments;
using BanStudio.Web.Features.Compare;

namespace BanStudio.Web.Features.Runs;

/// <summary>How the <c>outputs</c> verb and the live page's Outputs panel write <see cref="OutputSummary"/>'s cells.</summary>
public static class OutputSummaryText
{
    /// <summary>"15.80 ± 0.23" over several seeds, "15.80 (n=1)" for one (no spread to show).</summary>
    public static string MeanStd(IReadOnlyList<double> values, int decimals) => values.Count == 1
        ? $"{SummaryCell.Fixed(values[0], decimals)} (n=1)"
        : $"{SummaryCell.Fixed(Statistics.Mean(values), decimals)} ± {SummaryCell.Fixed(Statistics.StandardDeviation(values), decimals)}";

    /// <summary>"+0.38 (p 0.094, lower in 4 of 6)": Δ = reference − column, the paired p where there is one, the pairs where the column is lower; "" for none.</summary>
    public static string Paired(OutputPairing? pairing, int decimals) => pairing is null ? ""
        : $"{SummaryCell.Signed(pairing.MeanDifference, decimals)} (" +
          (pairing.Significance.PValue is { } p ? $"p {SummaryCell.FormatP(p)}, " : "") + $"lower in {pairing.Lower} of {pairing.Pairs})";

    /// <summary>What the Δ cells mean, against <paramref name="against"/>.</summary>
    public static string Legend(string against) =>
        $"Δ = {against} − column, paired by seed (positive: lower, i.e. better; the mean, the paired t-test's p, the pairs where the column is lower)";

    /// <summary>"not counted: seed-2/ban-1 (not trained yet)"; "" when every model counted.</summary>
    public static string NotCounted(IReadOnlyList<(string Key, string Why)> leftOut) =>
        leftOut.Count == 0 ? "" : "not counted: " + string.Join("; ", leftOut.Select(l => $"{l.Key} ({l.Why})"));
}
