using System.Globalization;
using System.Text;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;

namespace BanStudio.Training.Language;

/// <summary>
/// The paper's Table 6 layout for a language-model experiment: Network, Parameters, then the final-epoch
/// validation perplexity of the teacher and of every student column (BAN+L in the paper), then their test
/// perplexity; lower is better. One row per seed, and a mean ± std row with several seeds; cells not finished stay empty.
/// </summary>
public static class PerplexityTable
{
    public static string Render(ExperimentPlan plan, IEnumerable<ModelResult> results)
    {
        var columns = plan.Columns;
        var byKey = results.ToDictionary(r => (r.Seed, r.Column));
        string network = plan.Spec.IsCrossArchitecture
            ? $"{plan.Spec.Teacher.DisplayName} -> {plan.Spec.StudentModel.DisplayName}"
            : plan.Spec.Teacher.DisplayName;
        var header = new List<string> { "Network", "Parameters" };
        header.AddRange(columns.Select(c => $"{c} Val"));
        header.AddRange(columns.Select(c => $"{c} Test"));
        var rows = new List<string[]>();
        foreach (long seed in plan.Spec.Seeds)
        {
            var teacher = byKey.GetValueOrDefault((seed, ExperimentPlan.TeacherColumn));
            rows.Add([
                $"{network} seed {seed}", teacher is { Parameters: > 0 } ? $"{teacher.Parameters / 1e6:0.00}M" : "",
                .. columns.Select(c => Cell(byKey.GetValueOrDefault((seed, c)), r => r.FinalValidPerplexity)),
                .. columns.Select(c => Cell(byKey.GetValueOrDefault((seed, c)), r => r.FinalTestPerplexity)),
            ]);
        }
        if (plan.Spec.Seeds.Length > 1)
        {
            rows.Add([
                $"{network} mean ± std", "",
                .. columns.Select(c => Summary(plan, byKey, c, r => r.FinalValidPerplexity)),
                .. columns.Select(c => Summary(plan, byKey, c, r => r.FinalTestPerplexity)),
            ]);
        }
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine("Final-epoch perplexity (lower is better)");
        sb.AppendLine(string.Join("  ", header.Select((h, i) => i == 0 ? h.PadRight(widths[i]) : h.PadLeft(widths[i]))));
        foreach (var row in rows)
            sb.AppendLine(string.Join("  ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))));
        return sb.ToString();
    }

    static string Cell(ModelResult? r, Func<ModelResult, double?> value) => r switch
    {
        null => "",
        { Status: TrainingStatus.Completed } when value(r) is { } v => v.ToString("0.00", CultureInfo.InvariantCulture),
        _ => r.Status.ToString().ToLowerInvariant(),
    };

    static string Summary(ExperimentPlan plan, Dictionary<(long, string), ModelResult> byKey, string column, Func<ModelResult, double?> value)
    {
        var values = plan.Spec.Seeds.Select(s => byKey.GetValueOrDefault((s, column)))
            .Where(r => r is { Status: TrainingStatus.Completed }).Select(r => value(r!)).Where(v => v.HasValue).Select(v => v!.Value).ToArray();
        return Statistics.MeanStdText(values);
    }
}
