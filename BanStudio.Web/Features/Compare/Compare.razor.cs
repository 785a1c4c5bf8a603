using BanStudio.Web.Infrastructure.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Features.Compare;

/// <summary>
/// /compare?ids=1,2: the chosen experiments in the paper's Table 2 layout, their lineage and their curves.
/// The URL carries the selection, so a comparison can be bookmarked or sent; the exports are links to /api/compare*.
///
/// data-testid attributes, for browser tests (stable; change them only together with those tests):
/// <list type="bullet">
/// <item>compare-experiments: the experiment picker; compare-view: the Final epoch / Best epoch toggle; compare-against: the
/// column Δ and p compare with (?against=, the teacher by default); compare-metric: what image rows compare (?metric=test_loss;
/// test error by default).</item>
/// <item>export-table-csv, export-table-json, export-epochs-csv, export-epochs-json: the download links.</item>
/// <item>compare-error (bad ids), compare-empty (nothing chosen), compare-note (an experiment left out, a repeated seed).</item>
/// <item>compare-table: the table; compare-view-label: its caption naming the view ("Final-epoch test error (%)").</item>
/// <item>compare-header-{column}: a column header, e.g. compare-header-BAN-1; compare-row-{i}: row i's configuration cell;
/// compare-paper-{i}: row i's note on the paper's matching table.</item>
/// <item>cell-{i}-{column}: a result cell, with data-best="true" on the best of its row in the current view; inside it
/// cell-value ("16.69 ± 0.12"), cell-n ("n=3"), cell-delta (improvement over the teacher), cell-p ("p = 0.012, n=3 vs 3"),
/// cell-no-p (why there is no p-value), cell-paper ("paper 16.69 (Table 2)"), cell-empty (no finished run), cell-pending.</item>
/// <item>lineage-{i}: row i's lineage drawing; lineage-{i}-node-{column} (data-kind teacher, generation, treatment,
/// ensemble) and lineage-{i}-edge-{from}-{to} (data-kind learns or averages).</item>
/// <item>curves-chart: the Plotly chart; curves-models: the model chips; curves-quantity; curves-smoothing: the EMA slider.</item>
/// </list>
/// </summary>
public partial class Compare : IDisposable
{
    [Inject] public required IDbContextFactory<StudioDb> DbFactory { get; init; }
    [Inject] public required NavigationManager Navigation { get; init; }

    /// <summary>The experiments to compare, "1,2".</summary>
    [SupplyParameterFromQuery(Name = "ids")] public string? Ids { get; set; }

    /// <summary>The column Δ and p compare with ("Baseline"); the teacher when absent.</summary>
    [SupplyParameterFromQuery(Name = "against")] public string? Against { get; set; }

    /// <summary>What image rows compare: "test_loss"; test error when absent.</summary>
    [SupplyParameterFromQuery(Name = "metric")] public string? Metric { get; set; }

    sealed record Option(int Id, string Name, string Status);

    List<Option> options = [];
    IReadOnlyCollection<int> selected = [];
    Comparison? comparison;
    List<EpochRow> epochs = [];
    ErrorView view = ErrorView.Final;
    string against = Training.Experiments.ExperimentPlan.TeacherColumn;
    ComparisonMetric metric = ComparisonMetric.TestError;
    string? error;
    readonly CancellationTokenSource disposed = new();

    protected override async Task OnParametersSetAsync()
    {
        error = null;
        comparison = null;
        epochs = [];
        var ids = new List<int>();
        if (Ids is not null && !CompareApi.TryParseIds(Ids, out ids, out error)) error = $"ids: {error}";
        selected = ids;
        if (!CompareApi.TryParseAgainst(Against, out against, out string? againstError))
        {
            // Said at the top; the table is still shown, against the teacher.
            error = error is null ? $"against: {againstError}" : $"{error}; against: {againstError}";
            against = Training.Experiments.ExperimentPlan.TeacherColumn;
        }
        if (!ComparisonMetric.TryParse(Metric, out metric, out string? metricError))
            error = error is null ? $"metric: {metricError}" : $"{error}; metric: {metricError}";

        await using var db = await DbFactory.CreateDbContextAsync(disposed.Token);
        // Anything with a finished run is worth comparing, whatever its state; the chosen ones are listed regardless.
        options = await db.Experiments.AsNoTracking()
            .Where(e => ids.Contains(e.Id) || e.Runs.Any(r => r.Status == RunStatus.Completed))
            .OrderByDescending(e => e.Id)
            .Select(e => new Option(e.Id, e.Name, Words.Of(e.Status)))
            .ToListAsync(disposed.Token);
        if (ids.Count == 0) return;

        var (loaded, missing) = await ComparisonBuilder.LoadAsync(db, ids, disposed.Token, against, metric);
        if (missing.Count > 0)
            error = $"ids: no experiment has id {string.Join(", ", missing)}; choose from the list above";
        if (loaded.Rows.Count == 0 && loaded.Notes.Count == 0) return;
        comparison = loaded;
        epochs = await EpochRow.LoadAsync(db, loaded, disposed.Token);
    }

    string OptionName(int id) => options.FirstOrDefault(o => o.Id == id) is { } o ? $"#{o.Id} {o.Name} ({o.Status})" : $"#{id}";

    void OnSelectionChanged(IReadOnlyCollection<int>? values)
    {
        var ids = (values ?? []).Order().ToList();
        // The query string is the state: navigating re-runs OnParametersSetAsync with the new ids.
        Navigation.NavigateTo(ids.Count == 0 ? "/compare" : $"/compare?ids={string.Join(",", ids)}{CompareApi.ChoiceQuery(against, metric.Key)}");
    }

    /// <summary>The columns the chosen experiments have (the teacher first), and the chosen one even if none has it.</summary>
    IEnumerable<string> AgainstChoices => (comparison?.Columns ?? []).Where(c => !c.StartsWith("Ens*", StringComparison.Ordinal))
        .Prepend(Training.Experiments.ExperimentPlan.TeacherColumn).Append(against).Distinct();

    void OnAgainstChanged(string value) =>
        Navigation.NavigateTo($"/compare?ids={string.Join(",", selected)}{CompareApi.ChoiceQuery(value, metric.Key)}");

    void OnMetricChanged(string key) =>
        Navigation.NavigateTo($"/compare?ids={string.Join(",", selected)}{CompareApi.ChoiceQuery(against, key)}");

    /// <summary>Whether some row is an image row, whose metric can be chosen (language rows are always perplexity).</summary>
    bool HasImageRows => comparison?.Rows.Any(r => !r.HasValidation) == true;

    void OnViewChanged(ErrorView value) => view = value;

    public void Dispose() => disposed.Cancel();
}
