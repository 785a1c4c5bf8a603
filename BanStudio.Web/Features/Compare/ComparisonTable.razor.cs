using Microsoft.AspNetCore.Components;

namespace BanStudio.Web.Features.Compare;

/// <summary>The comparison in the layout of the paper's Table 2, for one view (final or best epoch); test ids are listed on <see cref="Compare"/>.</summary>
public partial class ComparisonTable
{
    [Parameter, EditorRequired] public required Comparison Comparison { get; set; }
    string Against => Comparison.Against;
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

    static string PointsUnit(ComparisonRow row) => row.Unit == "%" ? "pts" : row.Unit;

    IReadOnlyList<string> NoPValueReasons =>
        SummaryCell.NoPValueReasons(ImageRows.SelectMany(r => ImageColumns.Select(c => r.Cell(c)?.In(View))));

    string? EmptyReason(ComparisonRow row, ComparisonCell? cell) => cell switch
    {
        null => null,
        { Runs.Count: > 0 } when View == ErrorView.Best && ComparisonMetric.ByKey(row.Metric).NoBestReason is { } noBest => noBest,
        _ when View == ErrorView.Best && cell.Column.StartsWith("Ens*", StringComparison.Ordinal) && cell.Final is not null =>
            "an ensemble is evaluated once, from its members' final weights: it has no best epoch",
        { Runs.Count: 0 } => "no finished run yet",
        _ => null,
    };
}
