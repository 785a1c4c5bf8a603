using System.Globalization;
using System.Text;
using BanStudio.Training.Experiments;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BanStudio.Web.Features.Compare;

/// <summary>
/// The comparison of several experiments as files: the table (CSV, JSON) and every epoch of every run (CSV, JSON).
/// The page's download buttons are links to these, so what a researcher downloads is what a script gets.
/// </summary>
public static class CompareApi
{
    /// <summary>More experiments than a person compares at once; bounds the query.</summary>
    public const int MaxExperiments = 100;

    public static IEndpointRouteBuilder MapCompareApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Compare");
        group.MapGet("/compare.json", TableJson).WithSummary("The comparison table of experiments ?ids=1,2 (rows by configuration, mean ± std over seeds, Welch and paired p-values against the teacher or ?against=Baseline, the paper's numbers); image rows compare test error, or test loss with ?metric=test_loss");
        group.MapGet("/compare.csv", TableCsv).WithSummary("The comparison table as CSV: one line per configuration and column, final-epoch and best-epoch side by side; ?against= and ?metric= as for compare.json");
        group.MapGet("/compare/metrics.csv", EpochsCsv).WithSummary("Every epoch of every run of experiments ?ids=1,2, with its configuration row");
        group.MapGet("/compare/metrics.json", EpochsJson).WithSummary("The same epochs as JSON");
        return app;
    }

    public static string TableCsvUrl(IEnumerable<int> ids, string against = ExperimentPlan.TeacherColumn, string metric = ComparisonMetric.TestErrorKey) =>
        $"/api/compare.csv?ids={Join(ids)}{ChoiceQuery(against, metric)}";
    public static string TableJsonUrl(IEnumerable<int> ids, string against = ExperimentPlan.TeacherColumn, string metric = ComparisonMetric.TestErrorKey) =>
        $"/api/compare.json?ids={Join(ids)}{ChoiceQuery(against, metric)}";

    /// <summary>"&amp;against=Baseline&amp;metric=test_loss"; nothing for the defaults (the teacher, test error).</summary>
    public static string ChoiceQuery(string against, string metric) =>
        (against == ExperimentPlan.TeacherColumn ? "" : $"&against={Uri.EscapeDataString(against)}") +
        (metric == ComparisonMetric.TestError.Key ? "" : $"&metric={Uri.EscapeDataString(metric)}");

    /// <summary>The column Δ and p compare with: the teacher when not given; a message naming the parameter and the fix otherwise.</summary>
    public static bool TryParseAgainst(string? text, out string against, out string? error)
    {
        against = string.IsNullOrWhiteSpace(text) ? ExperimentPlan.TeacherColumn : text.Trim();
        error = ComparisonBuilder.IsColumnName(against) ? null
            : $"'{against}' is not a column; compare with Teacher (the default), Baseline, BAN, BAN+L, CWTM, DKPP, BAN-k or Ens*k";
        return error is null;
    }
    public static string EpochsCsvUrl(IEnumerable<int> ids) => $"/api/compare/metrics.csv?ids={Join(ids)}";
    public static string EpochsJsonUrl(IEnumerable<int> ids) => $"/api/compare/metrics.json?ids={Join(ids)}";

    static string Join(IEnumerable<int> ids) => string.Join(",", ids.Select(i => i.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// "1,2, 5" to ids; a message naming the parameter and the fix otherwise. Also what the page reads from its URL.
    /// </summary>
    /// <param name="example">How the caller writes ids, named in the message: the query string's, or the CLI's "compare 1,2".</param>
    public static bool TryParseIds(string? text, out List<int> ids, out string? error, string example = "?ids=1,2")
    {
        ids = [];
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"give the experiments to compare as ids separated by commas, e.g. {example}";
            return false;
        }
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id < 1)
            {
                error = $"'{part}' is not an experiment id; ids are positive whole numbers separated by commas, e.g. {example}";
                return false;
            }
            if (!ids.Contains(id)) ids.Add(id);
        }
        if (ids.Count > MaxExperiments)
        {
            error = $"{ids.Count} experiments is more than {MaxExperiments}; compare fewer at a time";
            return false;
        }
        return true;
    }

    static async Task<Results<T, ValidationProblem, NotFound<ProblemDetails>>> WithComparison<T>(
        string? ids, StudioDb db, CancellationToken ct, Func<Comparison, Task<T>> answer, string? againstText = null, string? metricText = null) where T : IResult
    {
        if (!TryParseIds(ids, out var list, out string? error))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ids"] = [error!] }, title: "Which experiments to compare?");
        if (!TryParseAgainst(againstText, out string against, out error))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["against"] = [error!] }, title: "Compare with which column?");
        if (!ComparisonMetric.TryParse(metricText, out var metric, out error))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["metric"] = [error!] }, title: "Compare by which metric?");
        var (comparison, missing) = await ComparisonBuilder.LoadAsync(db, list, ct, against, metric);
        if (missing.Count > 0)
            return TypedResults.NotFound(new ProblemDetails
            {
                Title = "No such experiment",
                Detail = $"no experiment has id {string.Join(", ", missing)}; GET /api/experiments lists them",
                Status = StatusCodes.Status404NotFound,
            });
        return await answer(comparison);
    }

    static Task<Results<Ok<Comparison>, ValidationProblem, NotFound<ProblemDetails>>> TableJson([FromQuery] string? ids, [FromQuery] string? against,
        [FromQuery] string? metric, StudioDb db, CancellationToken ct) =>
        WithComparison(ids, db, ct, c => Task.FromResult(TypedResults.Ok(c)), against, metric);

    static Task<Results<FileContentHttpResult, ValidationProblem, NotFound<ProblemDetails>>> TableCsv([FromQuery] string? ids, [FromQuery] string? against,
        [FromQuery] string? metric, StudioDb db, CancellationToken ct) =>
        WithComparison(ids, db, ct, c => Task.FromResult(Csv(ComparisonCsv.Write(ComparisonCsv.Lines(c)), "comparison.csv")), against, metric);

    static Task<Results<FileContentHttpResult, ValidationProblem, NotFound<ProblemDetails>>> EpochsCsv([FromQuery] string? ids, StudioDb db, CancellationToken ct) =>
        WithComparison(ids, db, ct, async c => Csv(ComparisonCsv.Write(await EpochRow.LoadAsync(db, c, ct)), "comparison-metrics.csv"));

    static Task<Results<Ok<List<EpochRow>>, ValidationProblem, NotFound<ProblemDetails>>> EpochsJson([FromQuery] string? ids, StudioDb db, CancellationToken ct) =>
        WithComparison(ids, db, ct, async c => TypedResults.Ok(await EpochRow.LoadAsync(db, c, ct)));

    static FileContentHttpResult Csv(string text, string name) =>
        TypedResults.File(Encoding.UTF8.GetBytes(text), "text/csv; charset=utf-8", name);
}
