using System.Globalization;
using Microsoft.AspNetCore.Components;

namespace BanStudio.Web.Features.Compare;

/// <summary>The comparison in the layout of the paper's Table 2, for one view (final or best epoch); test ids are listed on <see cref="Compare"/>.</summary>
public partial class ComparisonTable
{
    [Parameter, EditorRequired] public required Comparison Comparison { get; set; }
    [Parameter] public ErrorView View { get; set; }

    // Language-model rows have two figures per model (validation and test), so they get Table 6's own table.
    List<ComparisonRow> ImageRows => Comparison.Rows.Where(r => !r.HasValidation).ToList();
    List<ComparisonRow> LanguageRows => Comparison.Rows.Where(r => r.HasValidation).ToList();
    IEnumerable<string> ImageColumns => Comparison.Columns.Where(c => ImageRows.Any(r => r.Cell(c) is not null));

    string ViewLabel
    {
        get
        {
            var metrics = ImageRows.Select(r => r.MetricLabel).Distinct().ToList();
            string what = metrics.Count == 1 ? metrics[0] : "each row's metric";
            return View == ErrorView.Final ? $"Final-epoch {what}" : $"Best-epoch {what}";
        }
    }

    static string MeanStd(CellSummary s) =>
        s.Std is { } std ? $"{F(s.Mean)} ± {F(std)}" : F(s.Mean);

    static string Signed(double v) => (v >= 0 ? "+" : "−") + F(Math.Abs(v));

    static string PointsUnit(ComparisonRow row) => row.Unit == "%" ? "pts" : row.Unit;

    /// <summary>Three significant digits; very small p in scientific notation rather than a misleading 0.000.</summary>
    static string FormatP(double p) => p < 0.001 ? p.ToString("0.0e+0", CultureInfo.InvariantCulture) : p.ToString("0.###", CultureInfo.InvariantCulture);

    static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    string? EmptyReason(ComparisonCell? cell) => cell switch
    {
        null => null,
        _ when View == ErrorView.Best && cell.Column.StartsWith("Ens*", StringComparison.Ordinal) && cell.Final is not null =>
            "an ensemble is evaluated once, from its members' final weights: it has no best epoch",
        { Runs.Count: 0 } => "no finished run yet",
        _ => null,
    };

    static string Pending(ComparisonCell cell)
    {
        var parts = new List<string>();
        if (cell.Unfinished > 0) parts.Add($"{cell.Unfinished} unfinished");
        if (cell.Failed > 0) parts.Add($"{cell.Failed} failed");
        return string.Join(", ", parts) + " (not counted)";
    }
}
