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
    /// <summary>The column Δ and p compare with (<see cref="Comparison.Against"/>).</summary>
    [Parameter] public string Against { get; set; } = BanStudio.Training.Experiments.ExperimentPlan.TeacherColumn;

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

    IReadOnlyList<string> NoPValueReasons => SummaryCell.NoPValueReasons(
        Rows.SelectMany(r => Headers.Select(h => h.Split == Val ? r.Cell(h.Column)?.Valid : r.Cell(h.Column)?.Final)));
}
