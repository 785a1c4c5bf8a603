using AngleSharp.Dom;
using BanStudio.Tests.Web.Compare;
using BanStudio.Web.Features.Compare;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Plotly.Blazor;

namespace BanStudio.Tests.Web.Pages;

/// <summary>The Compare page over a real SQLite store holding <see cref="ComparisonData"/>; numbers are in its table.</summary>
public sealed class ComparePageTests : IAsyncDisposable
{
    readonly PageContext _context = new();

    public ComparePageTests()
    {
        using var db = _context.NewDb();
        ComparisonData.Seed(db);
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    IRenderedComponent<BanStudio.Web.Features.Compare.Compare> Open(string ids)
    {
        // The page reads its selection from the URL, as a bookmarked /compare?ids=... opens it.
        _context.Bunit.Services.GetRequiredService<NavigationManager>().NavigateTo($"/compare?ids={ids}");
        var page = _context.Bunit.Render<BanStudio.Web.Features.Compare.Compare>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=compare-table], [data-testid=compare-error]")));
        return page;
    }

    static IElement Cell(IRenderedComponent<BanStudio.Web.Features.Compare.Compare> page, int row, string column) =>
        page.Find($"[data-testid=\"cell-{row}-{column}\"]");

    static string NoPReason(IElement cell) => cell.QuerySelector("[data-testid=cell-no-p]")?.GetAttribute("title") ?? "";

    static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    static string Text(IElement cell, string part) => cell.QuerySelector($"[data-testid={part}]")?.TextContent.Trim() ?? "";

    [Fact]
    public void The_table_has_Table_2s_columns_and_one_row_per_configuration()
    {
        var page = Open("1,2,3,4");

        var headers = page.FindAll("[data-testid=compare-table] thead th").Select(h => h.TextContent.Trim()).ToArray();
        Assert.Equal(["Configuration", "Teacher", "BAN", "BAN+L", "BAN-1", "BAN-2", "Ens*2"], headers);
        var rows = page.FindAll("[data-testid=compare-table] tbody tr");
        Assert.Equal(3, rows.Count);
        Assert.Contains("WRN-10-1", page.Find("[data-testid=compare-row-0]").TextContent);
        Assert.Contains("#1, #2", page.Find("[data-testid=compare-row-0]").TextContent);
        Assert.Contains("seeds 1, 2, 3", page.Find("[data-testid=compare-row-0]").TextContent);
        Assert.Contains("DenseNet-90-60 · CIFAR-100", page.Find("[data-testid=compare-row-1]").TextContent);
        Assert.Contains("lr 0.01", page.Find("[data-testid=compare-row-2]").TextContent);
        // A configuration without a column shows an empty cell, not another row's number.
        Assert.Equal("—", Text(Cell(page, 1, "BAN-2"), "cell-empty"));
    }

    [Fact]
    public void Cells_show_mean_std_and_n_with_the_p_value_where_both_sides_have_two_seeds()
    {
        var page = Open("1,2");

        var teacher = Cell(page, 0, "Teacher");
        Assert.Equal("31.00 ± 1.00", Text(teacher, "cell-value"));
        Assert.Equal("n=3", Text(teacher, "cell-n"));
        Assert.Null(teacher.QuerySelector("[data-testid=cell-p]"));

        var ban1 = Cell(page, 0, "BAN-1");
        Assert.Equal("28.00 ± 1.00", Text(ban1, "cell-value"));
        Assert.Equal("Δ +3.00 pts", Text(ban1, "cell-delta"));
        Assert.Equal("p = 0.021, n=3 vs 3", Text(ban1, "cell-p")); // SciPy: 0.02131
        Assert.Equal("paired p = 0.035, 3 pairs", Text(ban1, "cell-paired-p")); // differences 3, 4, 2 from each seed's teacher
        Assert.Equal("paired p = 0.156, 2 pairs", Text(Cell(page, 0, "BAN"), "cell-paired-p")); // 1.5, 2.5: t = 4, df 1

        var ban2 = Cell(page, 0, "BAN-2");
        Assert.Equal("27.00 ± 1.41", Text(ban2, "cell-value"));
        Assert.Equal("p = 0.094, n=3 vs 2", Text(ban2, "cell-p"));
        Assert.Contains("1 unfinished", Text(ban2, "cell-pending"));
        Assert.Null(ban2.QuerySelector("[data-testid=cell-paired-p]")); // both pairs differ by exactly 4

        var banL = Cell(page, 0, "BAN+L");
        Assert.Equal("29.00", Text(banL, "cell-value"));
        Assert.Equal("n=1", Text(banL, "cell-n"));
        Assert.Null(banL.QuerySelector("[data-testid=cell-p]"));
        Assert.Equal("no p-value", Text(banL, "cell-no-p"));
        Assert.Equal("no p-value: n=3 vs n=1; a t-test needs at least 2 seeds on each side", NoPReason(banL)); // on hover
        // Said once under the table, not in every cell.
        Assert.Equal(["No p-value: n=3 vs n=1; a t-test needs at least 2 seeds on each side."],
            page.FindAll("[data-testid=compare-no-p-notes] .mud-typography").Select(n => n.TextContent.Trim()));
        Assert.Contains("1 failed", Text(banL, "cell-pending"));
    }

    [Fact]
    public void Another_reference_column_changes_the_caption_the_deltas_the_p_values_and_the_export_links()
    {
        var page = Open("1,2&against=BAN-1");
        Assert.StartsWith("mean ± std over seeds; Δ = BAN-1 − model (positive: better than the BAN-1)", page.Find("[data-testid=compare-caption]").TextContent.Trim());
        Assert.Equal("Δ −3.00 pts", Text(Cell(page, 0, "Teacher"), "cell-delta"));
        Assert.Equal("", Text(Cell(page, 0, "BAN-1"), "cell-delta"));
        Assert.Equal("paired p = 0.5, 2 pairs", Text(Cell(page, 0, "BAN-2"), "cell-paired-p"));
        Assert.Equal("/api/compare.csv?ids=1,2&against=BAN-1", page.Find("[data-testid=export-table-csv]").GetAttribute("href"));

        var plain = Open("1,2");
        Assert.Contains("Δ = teacher − model", plain.Find("[data-testid=compare-caption]").TextContent);
        Assert.Contains("from the teacher it learnt from", plain.Find("[data-testid=compare-caption]").TextContent);
        Assert.Equal("/api/compare.csv?ids=1,2", plain.Find("[data-testid=export-table-csv]").GetAttribute("href"));

        var bad = Open("1,2&against=nobody");
        Assert.Contains("against: 'nobody' is not a column", bad.Find("[data-testid=compare-error]").TextContent);
        Assert.Equal("Δ +3.00 pts", Text(Cell(bad, 0, "BAN-1"), "cell-delta")); // the table stays, against the teacher
    }

    [Fact]
    public async Task By_test_loss_cells_show_three_decimals_in_nats_and_the_choice_stays_in_the_url_and_the_exports()
    {
        var page = Open("1,2&against=BAN-1");
        var metricSelect = page.FindComponents<MudBlazor.MudSelect<string>>()
            .Single(s => Equals(s.Instance.UserAttributes.GetValueOrDefault("data-testid"), "compare-metric"));
        await page.InvokeAsync(() => metricSelect.Instance.ValueChanged.InvokeAsync("test_loss"));
        Assert.EndsWith("/compare?ids=1,2&against=BAN-1&metric=test_loss", _context.Bunit.Services.GetRequiredService<NavigationManager>().Uri);

        page = Open("1,2&metric=test_loss");
        Assert.Equal("Final-epoch test loss (nats)", page.Find("[data-testid=compare-view-label]").TextContent.Trim());
        Assert.Equal("1.100 ± 0.100", Text(Cell(page, 0, "Teacher"), "cell-value"));
        var ban1 = Cell(page, 0, "BAN-1");
        Assert.Equal("1.050 ± 0.180", Text(ban1, "cell-value"));
        Assert.Equal("Δ +0.050 nats", Text(ban1, "cell-delta"));
        Assert.Equal("paired p = 0.423, 3 pairs", Text(ban1, "cell-paired-p")); // differences 0.10, −0.05, 0.10: t = 1, df 2
        // By loss the row's best is BAN-2 (0.54), not the ensemble that is best by error.
        Assert.Equal(["BAN-2"], page.FindAll("[data-best=true]").Select(c => c.GetAttribute("data-testid")!["cell-0-".Length..]));
        Assert.Equal("/api/compare.csv?ids=1,2&metric=test_loss", page.Find("[data-testid=export-table-csv]").GetAttribute("href"));
        // The paper's numbers are errors: none stand beside losses.
        Assert.NotEmpty(Open("3").FindAll("[data-testid=cell-paper]"));
        Assert.Empty(Open("3&metric=test_loss").FindAll("[data-testid=cell-paper]"));

        // A run keeps its best epoch by error: the best-epoch view has no loss, and says why.
        page = Open("1,2&metric=test_loss");
        page.FindAll("[data-testid=compare-view] .mud-toggle-item").Single(b => b.TextContent.Contains("Best epoch")).Click();
        page.WaitForAssertion(() => Assert.Equal("Best-epoch test loss (nats)", page.Find("[data-testid=compare-view-label]").TextContent.Trim()));
        Assert.Contains("compared at the final epoch only", Cell(page, 0, "BAN-1").TextContent);

        var bad = Open("1,2&metric=accuracy");
        Assert.Contains("metric: 'accuracy' is not a metric to compare by", bad.Find("[data-testid=compare-error]").TextContent);
        Assert.Equal("31.00 ± 1.00", Text(Cell(bad, 0, "Teacher"), "cell-value")); // the table stays, by test error
    }

    [Fact]
    public void Final_and_best_epoch_are_labelled_differ_and_mark_their_own_best_cell()
    {
        var page = Open("1,2");
        Assert.Equal("Final-epoch test error (%)", page.Find("[data-testid=compare-view-label]").TextContent.Trim());
        Assert.Equal(["Ens*2"], page.FindAll("[data-best=true]").Select(c => c.GetAttribute("data-testid")!["cell-0-".Length..]));
        Assert.Equal("25.50 ± 0.71", Text(Cell(page, 0, "Ens*2"), "cell-value"));

        page.FindAll("[data-testid=compare-view] .mud-toggle-item").Single(b => b.TextContent.Contains("Best epoch")).Click();

        page.WaitForAssertion(() => Assert.Equal("Best-epoch test error (%)", page.Find("[data-testid=compare-view-label]").TextContent.Trim()));
        Assert.Equal("30.00 ± 1.00", Text(Cell(page, 0, "Teacher"), "cell-value"));
        Assert.Equal("26.00 ± 1.00", Text(Cell(page, 0, "BAN-1"), "cell-value"));
        Assert.Equal("p = 0.008, n=3 vs 3", Text(Cell(page, 0, "BAN-1"), "cell-p")); // SciPy: 0.00805
        Assert.Equal("paired p = 0.057, 3 pairs", Text(Cell(page, 0, "BAN-1"), "cell-paired-p"));
        Assert.Equal(["BAN-1"], page.FindAll("[data-best=true]").Select(c => c.GetAttribute("data-testid")!["cell-0-".Length..]));
        // An ensemble has no best epoch, and says so.
        Assert.Contains("no best epoch", Cell(page, 0, "Ens*2").TextContent);
    }

    [Fact]
    public void The_papers_number_stands_beside_a_matching_configuration_and_not_beside_others()
    {
        var page = Open("1,3");

        Assert.Equal("paper 17.69 (Table 2)", Text(Cell(page, 1, "Teacher"), "cell-paper"));
        Assert.Equal("paper 16.62 (Table 2)", Text(Cell(page, 1, "BAN-1"), "cell-paper"));
        Assert.Contains("Table 2", page.Find("[data-testid=compare-paper-1]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=compare-row-0] ~ td [data-testid=cell-paper]"));
        Assert.Empty(page.FindAll("[data-testid=compare-paper-0]"));
        // One seed each side: no p-value, with the reason.
        Assert.Contains("n=1 vs n=1", NoPReason(Cell(page, 1, "BAN-1")));
        var notes = page.Find("[data-testid=compare-no-p-notes]").TextContent;
        Assert.Equal(1, CountOf(notes, "n=1 vs n=1")); // every single-seed cell of row 1 has this reason; the note says it once
    }

    [Fact]
    public void The_lineage_is_drawn_with_a_node_per_model_and_edges_from_teacher_to_students()
    {
        var page = Open("1,2");

        var svg = page.Find("[data-testid=lineage-0]");
        var nodes = svg.QuerySelectorAll("g[data-testid^=lineage-0-node-]").ToDictionary(
            n => n.GetAttribute("data-testid")!["lineage-0-node-".Length..], n => n);
        Assert.Equal(new[] { "BAN", "BAN+L", "BAN-1", "BAN-2", "Ens*2", "Teacher" }, nodes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("teacher", nodes["Teacher"].GetAttribute("data-kind"));
        Assert.Equal("treatment", nodes["BAN+L"].GetAttribute("data-kind"));
        Assert.Equal("31.00 ± 1.00 %, n=3", nodes["Teacher"].QuerySelector("[data-testid=lineage-node-value]")!.TextContent);
        Assert.Equal("27.00 ± 1.41 %, n=2", nodes["BAN-2"].QuerySelector("[data-testid=lineage-node-value]")!.TextContent);

        var edges = svg.QuerySelectorAll("line").Select(l => (l.GetAttribute("data-testid"), l.GetAttribute("data-kind"))).Order().ToArray();
        Assert.Equal(new (string?, string?)[]
        {
            ("lineage-0-edge-BAN-1-BAN-2", "learns"), ("lineage-0-edge-BAN-1-Ens*2", "averages"), ("lineage-0-edge-BAN-2-Ens*2", "averages"),
            ("lineage-0-edge-Teacher-BAN", "learns"), ("lineage-0-edge-Teacher-BAN+L", "learns"), ("lineage-0-edge-Teacher-BAN-1", "learns"),
        }.Order(), edges);
    }

    [Fact]
    public void The_export_buttons_link_to_the_api_for_the_chosen_experiments()
    {
        var page = Open("2,1");
        Assert.Equal("/api/compare.csv?ids=1,2", page.Find("[data-testid=export-table-csv]").GetAttribute("href"));
        Assert.Equal("/api/compare.json?ids=1,2", page.Find("[data-testid=export-table-json]").GetAttribute("href"));
        Assert.Equal("/api/compare/metrics.csv?ids=1,2", page.Find("[data-testid=export-epochs-csv]").GetAttribute("href"));
        Assert.Equal("/api/compare/metrics.json?ids=1,2", page.Find("[data-testid=export-epochs-json]").GetAttribute("href"));
        Assert.NotNull(page.Find("[data-testid=export-table-csv]").GetAttribute("download"));
    }

    [Fact]
    public void Bad_or_unknown_ids_are_named_with_the_fix()
    {
        var bad = Open("1,x");
        Assert.Contains("ids: 'x' is not an experiment id", bad.Find("[data-testid=compare-error]").TextContent);

        var unknown = Open("1,99");
        Assert.Contains("ids: no experiment has id 99", unknown.Find("[data-testid=compare-error]").TextContent);
        // What exists is still compared.
        Assert.Equal("31.00 ± 1.41", Text(Cell(unknown, 0, "Teacher"), "cell-value"));
    }

    [Fact]
    public void Curves_start_with_teacher_and_BAN_1_as_mean_lines_with_std_bands()
    {
        var page = Open("1,2");
        var chart = page.FindComponent<CurvesChart>();

        Assert.Equal(["Teacher", "BAN-1"], chart.Instance.Series.Select(s => s.Column));
        // A band (3 seeds) and a line for each.
        var traces = page.FindComponent<PlotlyChart>().Instance.Data;
        Assert.Equal(4, traces.Count);
        var teacherLine = (Plotly.Blazor.Traces.Scatter)traces[1];
        Assert.Equal([38.0, 31.0, 31.0], teacherLine.Y.Select(v => Math.Round((double)v, 9)));
        Assert.Equal("Teacher (n=3)", teacherLine.Name);
        var band = (Plotly.Blazor.Traces.Scatter)traces[0];
        // Upper edge then lower edge back: epoch 1 is mean 38 ± 2.
        Assert.Equal(40.0, (double)band.Y[0], 9);
        Assert.Equal(36.0, (double)band.Y[^1], 9);
    }

    [Fact]
    public async Task Choosing_experiments_puts_them_in_the_url_and_shows_their_table()
    {
        var navigation = _context.Bunit.Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/compare");
        var page = _context.Bunit.Render<BanStudio.Web.Features.Compare.Compare>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=compare-empty]")));
        var picker = page.FindComponent<MudBlazor.MudSelect<int>>();
        // Every stored experiment has a finished run, so each is offered, newest first.
        Assert.Equal([4, 3, 2, 1], page.FindComponents<MudBlazor.MudSelectItem<int>>().Select(i => i.Instance.Value));

        await page.InvokeAsync(() => picker.Instance.SelectedValuesChanged.InvokeAsync([3, 1]));

        Assert.EndsWith("/compare?ids=1,3", navigation.Uri);
        page.WaitForAssertion(() => Assert.Equal("18.00", Text(Cell(page, 1, "Teacher"), "cell-value")));
        Assert.Equal("31.00 ± 1.41", Text(Cell(page, 0, "Teacher"), "cell-value")); // seeds 1 and 2 only: 30, 32
    }

    [Fact]
    public async Task Smoothing_and_the_choice_of_models_redraw_the_curves()
    {
        var page = Open("1,2");
        var chart = page.FindComponent<CurvesChart>();

        await page.InvokeAsync(() => chart.FindComponent<MudBlazor.MudSlider<double>>().Instance.ValueChanged.InvokeAsync(0.5));
        // EMA 0.5 on each teacher run (epoch 2: 32.5, 35, 36), then the mean.
        Assert.Equal((32.5 + 35 + 36) / 3, chart.Instance.Series.Single(s => s.Column == "Teacher").Mean[1], 9);

        await page.InvokeAsync(() => chart.FindComponent<MudBlazor.MudChipSet<string>>().Instance.SelectedValuesChanged.InvokeAsync(["0:BAN-2"]));
        Assert.Equal(["BAN-2"], chart.Instance.Series.Select(s => s.Column));
        // One run with epochs (seed 3, still training): a line and no band.
        var traces = page.FindComponent<PlotlyChart>().Instance.Data;
        Assert.Equal("BAN-2 (n=1)", ((Plotly.Blazor.Traces.Scatter)traces.Single()).Name);
    }
}
