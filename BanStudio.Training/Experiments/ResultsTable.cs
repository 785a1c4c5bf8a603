using System.Globalization;
using System.Text;

namespace BanStudio.Training.Experiments;

/// <summary>
/// The paper's Table 2 layout: one row per configuration and seed, one column per model of the plan
/// (Teacher, BAN, BAN+L, CWTM, DKPP, BAN-1..k, Ens*2..k), final-epoch test error in percent; with
/// several seeds, a mean ± std row. Cells not finished yet stay empty, so it can be printed as it fills in.
/// </summary>
public static class ResultsTable
{
    public static string Render(ExperimentPlan plan, IEnumerable<ModelResult> results)
    {
        // Language models are compared by perplexity in Table 6's layout, not by error.
        if (plan.Spec.Teacher is Language.LanguageModelSpec) return Language.PerplexityTable.Render(plan, results);
        var columns = plan.Columns;
        var byKey = results.ToDictionary(r => (r.Seed, r.Column));
        string config = plan.Spec.IsCrossArchitecture
            ? $"{plan.Spec.Teacher.DisplayName} -> {plan.Spec.StudentModel.DisplayName}"
            : plan.Spec.Teacher.DisplayName;
        var rows = new List<string[]>();
        foreach (long seed in plan.Spec.Seeds)
            rows.Add([$"{config} seed {seed}", .. columns.Select(c => Cell(byKey.GetValueOrDefault((seed, c))))]);
        if (plan.Spec.Seeds.Length > 1)
        {
            rows.Add([$"{config} mean ± std", .. columns.Select(c =>
            {
                var values = plan.Spec.Seeds.Select(s => byKey.GetValueOrDefault((s, c))?.FinalTestError)
                    .Where(v => v.HasValue).Select(v => v!.Value * 100).ToArray();
                return Statistics.MeanStdText(values);
            })]);
        }
        string[] header = ["Network (final-epoch test error %)", .. columns];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine(string.Join("  ", header.Select((h, i) => i == 0 ? h.PadRight(widths[i]) : h.PadLeft(widths[i]))));
        foreach (var row in rows)
            sb.AppendLine(string.Join("  ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))));
        return sb.ToString();
    }

    static string Cell(ModelResult? r) => r switch
    {
        null => "",
        { Status: Training.TrainingStatus.Completed, FinalTestError: { } e } => (e * 100).ToString("0.00", CultureInfo.InvariantCulture),
        _ => r.Status.ToString().ToLowerInvariant(),
    };
}
