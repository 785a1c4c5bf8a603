using System.Globalization;
using BanStudio.Training.Experiments;
using Microsoft.AspNetCore.Components;

namespace BanStudio.Web.Features.Compare;

/// <summary>One cell of <see cref="ComparisonTable"/> or <see cref="LanguageModelTable"/>, inside its &lt;td&gt;.</summary>
public partial class SummaryCell
{
    /// <summary>The seeds' summary in the table's view (final, best, validation); null: the cell has no finished run.</summary>
    [Parameter] public CellSummary? Summary { get; set; }
    /// <summary>The cell, for the runs not counted; null when the row has no such model.</summary>
    [Parameter] public ComparisonCell? Cell { get; set; }
    [Parameter] public PaperNumber? Paper { get; set; }
    /// <summary>Written after Δ ("pts" for percentages); null writes nothing.</summary>
    [Parameter] public string? DeltaUnit { get; set; }
    /// <summary>Why an empty cell is empty, under its dash.</summary>
    [Parameter] public string? EmptyReason { get; set; }

    /// <summary>Decimals of the figures shown (the row metric's <see cref="ComparisonMetric.Decimals"/>).</summary>
    [Parameter] public int Decimals { get; set; } = 2;

    /// <summary>The column Δ and p compare with (<see cref="Comparison.Against"/>).</summary>
    [Parameter] public string Against { get; set; } = ExperimentPlan.TeacherColumn;

    /// <summary>What a table's cells show, said once above it.</summary>
    public static string Caption(string against)
    {
        string reference = ComparisonBuilder.Named(against);
        string pairedWith = against == ExperimentPlan.TeacherColumn ? "the teacher it learnt from" : $"the {reference} of its seed";
        return $"mean ± std over seeds; Δ = {reference} − model (positive: better than the {reference}); " +
               $"p: Welch's t-test of the two groups of seeds; paired p: t-test of each seed's difference from {pairedWith}";
    }

    string PairedTooltip(CellSummary s) =>
        $"paired t-test, each seed against {(Against == ExperimentPlan.TeacherColumn ? "the teacher it learnt from" : $"the {Against} of its seed")}: " +
        $"mean difference {Signed(s.PairedImprovement ?? 0)}, t = {s.PairedT?.ToString("0.###", CultureInfo.InvariantCulture)}, df = {s.Pairs - 1}";

    /// <summary>The style of a cell's &lt;td&gt;: the row's best is shaded.</summary>
    public static string TdStyle(CellSummary? summary) => summary?.BestInRow == true
        ? "white-space: nowrap; background-color: var(--mud-palette-success-hover)"
        : "white-space: nowrap";

    /// <summary>
    /// Each distinct reason a shown cell has no p-value, in first-seen order: the tables say it once under the table
    /// rather than in every cell.
    /// </summary>
    public static IReadOnlyList<string> NoPValueReasons(IEnumerable<CellSummary?> shown) =>
        shown.Where(s => s is { PValue: null, NoPValueReason: not null })
            .Select(s => s!.NoPValueReason!)
            .Distinct(StringComparer.Ordinal).ToList();

    string MeanStd(CellSummary s) => s.Std is { } std ? $"{F(s.Mean)} ± {F(std)}" : F(s.Mean);

    string Signed(double v) => Signed(v, Decimals);

    /// <summary>"+0.050", "−3.00": a difference with its sign, with that many decimals.</summary>
    public static string Signed(double v, int decimals) => (v >= 0 ? "+" : "−") + Fixed(Math.Abs(v), decimals);

    /// <summary>Three significant digits; very small p in scientific notation rather than a misleading 0.000.</summary>
    public static string FormatP(double p) => p < 0.001 ? p.ToString("0.0e+0", CultureInfo.InvariantCulture) : p.ToString("0.###", CultureInfo.InvariantCulture);

    string F(double v) => Fixed(v, Decimals);

    /// <summary>v with that many decimals, invariant: "0.487".</summary>
    public static string Fixed(double v, int decimals) => v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    static string Pending(ComparisonCell cell) => NotCounted(cell) + " (not counted)";

    /// <summary>"1 unfinished, 1 failed": the cell's runs left out of its numbers; "" when none is.</summary>
    public static string NotCounted(ComparisonCell cell)
    {
        var parts = new List<string>();
        if (cell.Unfinished > 0) parts.Add($"{cell.Unfinished} unfinished");
        if (cell.Failed > 0) parts.Add($"{cell.Failed} failed");
        return string.Join(", ", parts);
    }
}
