using System.CommandLine;
using System.Globalization;
using System.Text;
using BanStudio.Training.Experiments;
using BanStudio.Web.Features.Compare;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BanStudio.Web.Cli;

/// <summary>
/// <c>compare [IDS] [--metric test_loss] [--against Baseline] [--best] [--seeds] [--csv FILE] [--database FILE]</c>: the Compare
/// page in a terminal. The experiments <c>run</c> recorded (or the app trained) side by side, a row per configuration:
/// each model's mean ± std over seeds, Δ against the reference column, Welch's p and the paired p over seeds that
/// share a teacher. Without ids it lists the experiments of the database. Reads only.
/// </summary>
public static class CompareVerb
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var ids = new Argument<string?>("ids")
        {
            Description = "The experiments to compare, e.g. 1,2 (the ids run prints). Without it, the experiments of the database are listed.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var metric = new Option<string?>("--metric")
        {
            Description = "What image models are compared by: test_error_pct (default) or test_loss (nats). Language models: always perplexity.",
        };
        var against = new Option<string?>("--against")
        {
            Description = "The column Δ and the p-values compare each model with: Teacher (default), Baseline, BAN-1, ...",
        };
        var best = new Option<bool>("--best") { Description = "The best epoch's figures instead of the final epoch's (test error only)." };
        var seeds = new Option<bool>("--seeds") { Description = "Also print each seed's figure of every model, a line per seed." };
        var csv = new Option<FileInfo?>("--csv") { Description = "Also write the table to this CSV file (the Compare page's Table CSV, full precision)." };
        var database = new Option<FileInfo?>("--database") { Description = "The SQLite file to read. Default: Studio:DatabasePath in appsettings.json, as run writes." };
        var command = new Command("compare",
            "Compare recorded experiments as the Compare page does: mean ± std over seeds, Δ, Welch's and the paired t-test against a reference column.")
        {
            ids, metric, against, best, seeds, csv, database,
        };
        command.SetAction((parse, ct) => RunAsync(new Request(parse.GetValue(ids), parse.GetValue(metric), parse.GetValue(against), parse.GetValue(best),
            parse.GetValue(seeds), parse.GetValue(csv), parse.GetValue(database)), output, error, ct));
        return command;
    }

    sealed record Request(string? Ids, string? Metric, string? Against, bool Best, bool Seeds, FileInfo? Csv, FileInfo? Database);

    static async Task<int> RunAsync(Request request, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!ComparisonMetric.TryParse(request.Metric, out var metric, out string? problem))
            return Refuse(error, $"--metric: {problem}");
        if (!CompareApi.TryParseAgainst(request.Against, out string against, out problem))
            return Refuse(error, $"--against: {problem}");
        var ids = new List<int>();
        if (request.Ids is not null && !CompareApi.TryParseIds(request.Ids, out ids, out problem, example: "compare 1,2"))
            return Refuse(error, $"ids: {problem}");

        await using var services = StudioStore.Build(request.Database?.FullName);
        string path = services.GetRequiredService<IOptions<StudioOptions>>().Value.DatabaseFullPath;
        // Reading must not create an empty database where the user mistyped one.
        if (!File.Exists(path))
            return Refuse(error, $"--database: {path} does not exist; give the SQLite file run recorded into (run prints it: \"experiment N in FILE\")");
        var dbFactory = services.GetRequiredService<IDbContextFactory<StudioDb>>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await StudioDatabase.MigrateAsync(db, ct);

        if (ids.Count == 0)
        {
            await ListAsync(db, path, output, ct);
            return TrainVerb.ExitCodes.Ok;
        }
        var (comparison, missing) = await ComparisonBuilder.LoadAsync(db, ids, ct, against, metric);
        if (missing.Count > 0)
            return Refuse(error, $"ids: no experiment has id {string.Join(", ", missing)} in {path}; compare without ids lists them");
        output.Write(Render(comparison, request.Best ? ErrorView.Best : ErrorView.Final, request.Seeds));
        if (request.Csv is { } file)
        {
            await File.WriteAllTextAsync(file.FullName, ComparisonCsv.Write(ComparisonCsv.Lines(comparison)), ct);
            output.WriteLine($"table written to {file.FullName}");
        }
        return TrainVerb.ExitCodes.Ok;
    }

    static int Refuse(TextWriter error, string message)
    {
        error.WriteLine(message);
        return TrainVerb.ExitCodes.BadSpec;
    }

    static async Task ListAsync(StudioDb db, string path, TextWriter output, CancellationToken ct)
    {
        var experiments = await db.Experiments.AsNoTracking().OrderBy(e => e.Id)
            .Select(e => new { e.Id, e.Name, e.Status, Finished = e.Runs.Count(r => r.Status == RunStatus.Completed), Runs = e.Runs.Count, e.Folder })
            .ToListAsync(ct);
        if (experiments.Count == 0)
        {
            output.WriteLine($"{path} holds no experiment yet: run SPEC.json records one");
            return;
        }
        int width = Math.Max(4, experiments.Max(e => e.Name.Length));
        output.WriteLine($"{"id",4}  {"name".PadRight(width)}  {"status",-11}  {"finished",8}  folder");
        foreach (var e in experiments)
            output.WriteLine($"{e.Id,4}  {e.Name.PadRight(width)}  {Words.Of(e.Status),-11}  {$"{e.Finished}/{e.Runs}",8}  {e.Folder}");
        output.WriteLine($"compare them with: compare {string.Join(",", experiments.Select(e => e.Id).Take(4))}");
    }

    /// <summary>
    /// Each seed's figure of every model that has one (a reused model counted once), a line per seed; a seed trained
    /// in two experiments with different teachers shows both figures, "a / b", in experiment order.
    /// </summary>
    static string SeedLines(ComparisonRow row, ErrorView view, Func<double, string> format)
    {
        var lines = new List<string[]> { new[] { "by seed" }.Concat(row.Cells.Select(c => c.Column)).ToArray() };
        foreach (long seed in row.Seeds)
            lines.Add([$"seed {seed}", .. row.Cells.Select(c => string.Join(" / ", c.Runs.Where(r => r.Seed == seed)
                .Select(r => view == ErrorView.Final ? r.Final : r.Best).OfType<double>().Select(format)))]);
        return Columns(lines, dropEmpty: false);
    }

    /// <summary>
    /// Lines of cells (a header first) as indented columns, the first left-aligned and the rest right-aligned;
    /// <paramref name="dropEmpty"/> leaves out the columns no line below the header fills.
    /// </summary>
    static string Columns(List<string[]> lines, bool dropEmpty)
    {
        var kept = Enumerable.Range(0, lines[0].Length).Where(i => !dropEmpty || lines.Skip(1).Any(l => l[i].Length > 0)).ToArray();
        var widths = kept.ToDictionary(i => i, i => lines.Max(l => l[i].Length));
        var text = new StringBuilder();
        foreach (var line in lines)
            text.AppendLine("  " + string.Join("  ", kept.Select(i => i == 0 ? line[i].PadRight(widths[i]) : line[i].PadLeft(widths[i]))).TrimEnd());
        return text.ToString();
    }

    /// <summary>
    /// One block per configuration: a line per model with mean ± std (n), Δ against the reference, Welch's p, the
    /// paired mean difference and p with its pairs, the paper's number; then why p-values are missing and the notes.
    /// </summary>
    public static string Render(Comparison comparison, ErrorView view, bool bySeed = false)
    {
        var text = new StringBuilder();
        string reference = ComparisonBuilder.Named(comparison.Against);
        foreach (string note in comparison.Notes) text.AppendLine($"note: {note}");
        foreach (var row in comparison.Rows)
        {
            var metric = ComparisonMetric.ByKey(row.Metric);
            // Language rows are always final-epoch (a run keeps no best-perplexity epoch).
            var shown = row.HasValidation ? ErrorView.Final : view;
            text.AppendLine($"{row.Label} · {row.Schedule}");
            text.AppendLine($"  {(shown == ErrorView.Final ? "final-epoch" : "best-epoch")} {row.MetricLabel}; seeds {string.Join(", ", row.Seeds)}; " +
                            $"experiment{(row.ExperimentIds.Count == 1 ? "" : "s")} {string.Join(", ", row.ExperimentIds.Select(i => $"#{i}"))}; Δ = {reference} − model (positive: better)");
            string F(double v) => SummaryCell.Fixed(v, metric.Decimals);
            string Signed(double v) => SummaryCell.Signed(v, metric.Decimals);
            var lines = new List<string[]> { new[] { "model", "mean ± std", "n", "Δ", "Welch p", "paired Δ", "paired p", "pairs", "paper", "not counted" } };
            var reasons = new List<string>();
            foreach (var cell in row.Cells)
            {
                var s = cell.In(shown);
                string pending = SummaryCell.NotCounted(cell);
                string paper = cell.Paper is { } p ? $"{F(p.Value)} ({p.Table})" : "";
                if (s is null)
                {
                    string why = shown == ErrorView.Best && cell.Runs.Count > 0 ? metric.NoBestReason ?? "no best epoch (an ensemble is evaluated once)" : "no finished run";
                    lines.Add([cell.Column, "—", "0", "", "", "", "", "", paper, pending]);
                    reasons.Add($"{cell.Column}: {why}");
                    continue;
                }
                lines.Add([
                    cell.Column, s.Std is { } std ? $"{F(s.Mean)} ± {F(std)}" : F(s.Mean), s.N.ToString(CultureInfo.InvariantCulture),
                    s.ImprovementOverTeacher is { } d ? Signed(d) : "",
                    s.PValue is { } pv ? SummaryCell.FormatP(pv) : "",
                    s.PairedImprovement is { } pd ? Signed(pd) : "",
                    s.PairedPValue is { } pp ? SummaryCell.FormatP(pp) : "",
                    s.Pairs > 0 ? s.Pairs.ToString(CultureInfo.InvariantCulture) : "",
                    paper, pending,
                ]);
                if (s.NoPValueReason is { } noP) reasons.Add(noP);
                if (s.NoPairedReason is { } noPaired && s.PairedPValue is null && cell.Column != comparison.Against) reasons.Add(noPaired);
            }
            // Columns no model fills (no paper number, nothing pending) are left out.
            text.Append(Columns(lines, dropEmpty: true));
            foreach (string reason in reasons.Distinct(StringComparer.Ordinal)) text.AppendLine($"  {reason}");
            if (bySeed) text.Append(SeedLines(row, shown, F));
            foreach (string note in row.Notes) text.AppendLine($"  note: {note}");
            text.AppendLine();
        }
        text.AppendLine("Welch p: t-test of the two groups of seeds; paired p: t-test of each seed's difference from the " +
                        (comparison.Against == ExperimentPlan.TeacherColumn ? "teacher it learnt from" : $"{reference} of its seed and teacher") + ".");
        return text.ToString();
    }
}
