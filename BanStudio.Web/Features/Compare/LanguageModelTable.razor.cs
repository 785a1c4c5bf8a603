using System.Globalization;
using BanStudio.Training.Experiments;
using Microsoft.AspNetCore.Components;

namespace BanStudio.Web.Features.Compare;

/// <summary>
/// The language-model rows of a comparison in the paper's Table 6 layout: Network, Parameters, then each model's
/// validation perplexity (Teacher Val, BAN+L Val, ...) and each model's test perplexity (Teacher Test, BAN+L Test, ...).
/// Always the final epoch, as Table 6 reports it (a run keeps no best-perplexity epoch).
/// </summary>
public partial class LanguageModelTable
{
    public const string Val = "Val";
    public const string Test = "Test";

    [Parameter, EditorRequired] public required IReadOnlyList<ComparisonRow> Rows { get; set; }

    /// <summary>The header columns after Network and Parameters, in Table 6's order: every Val, then every Test.</summary>
    public static IReadOnlyList<(string Column, string Split)> HeadersFor(IEnumerable<ComparisonRow> rows)
    {
        var columns = rows.SelectMany(r => r.Cells.Select(c => c.Column)).Distinct()
            .OrderBy(ExperimentPlan.ColumnOrder).ThenBy(c => c, StringComparer.Ordinal).ToList();
        return [.. columns.Select(c => (c, Val)), .. columns.Select(c => (c, Test))];
    }

    IReadOnlyList<(string Column, string Split)> Headers => HeadersFor(Rows);

    /// <summary>"52.0M" as Table 6 writes it; below a million, thousands.</summary>
    public static string Millions(long? parameters) => parameters switch
    {
        null => "—",
        >= 1_000_000 => (parameters.Value / 1e6).ToString("0.0#", CultureInfo.InvariantCulture) + "M",
        _ => (parameters.Value / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k",
    };

    static string MeanStd(CellSummary s) => s.Std is { } std ? $"{F(s.Mean)} ± {F(std)}" : F(s.Mean);

    static string Signed(double v) => (v >= 0 ? "+" : "−") + F(Math.Abs(v));

    static string FormatP(double p) => p < 0.001 ? p.ToString("0.0e+0", CultureInfo.InvariantCulture) : p.ToString("0.###", CultureInfo.InvariantCulture);

    static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    static string Pending(ComparisonCell cell)
    {
        var parts = new List<string>();
        if (cell.Unfinished > 0) parts.Add($"{cell.Unfinished} unfinished");
        if (cell.Failed > 0) parts.Add($"{cell.Failed} failed");
        return string.Join(", ", parts) + " (not counted)";
    }
}
