using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BanStudio.Tests.Browser;

/// <summary>
/// The wizard (/experiments/new) and the live page (/experiments/{id}) in Chromium: a tiny built-in-data
/// experiment designed by clicking through the five steps, launched, watched while its charts gain points and
/// its progress bar fills, then cancelled and resumed from the page. The data-testid attributes used here are
/// documented at the top of NewExperiment.razor.cs and ExperimentLive.razor.cs.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class WizardLiveBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Points of the trace with this uid in the Plotly chart inside data-testid=<paramref name="chart"/>; 0 before it exists.</summary>
    const string TracePoints = """
        ([chart, uid]) => {
          const plot = document.querySelector(`[data-testid="${chart}"] .js-plotly-plot`);
          const trace = plot?.data?.find(t => t.uid === uid);
          return trace ? trace.x.length : 0;
        }
        """;

    const string PlanProgress = """
        () => {
          const el = document.querySelector('[data-testid="plan-progress"]');
          const bar = el?.matches('[role=progressbar]') ? el : el?.querySelector('[role=progressbar]');
          return bar ? { done: Number(bar.getAttribute('aria-valuenow')), total: Number(bar.getAttribute('aria-valuemax')) } : null;
        }
        """;

    static async Task FillAsync(IPage page, string testId, string value)
    {
        var input = page.GetByTestId(testId);
        await input.FillAsync(value);
        await input.PressAsync("Tab");
        await Expect(input).ToHaveValueAsync(value);
    }

    /// <summary>The input of the MudCheckBox with this test id, wherever MudBlazor puts the attribute.</summary>
    static ILocator CheckBox(IPage page, string testId) =>
        page.Locator($"[data-testid={testId}] input[type=checkbox], input[type=checkbox][data-testid={testId}]");

    static Task<int> PointsAsync(IPage page, string chart, string uid) => page.EvaluateAsync<int>(TracePoints, new[] { chart, uid });

    static Task WaitForPointsAsync(IPage page, string chart, string uid, int atLeast) =>
        page.WaitForFunctionAsync($"args => ({TracePoints})(args) >= {atLeast}", new[] { chart, uid }, new() { PollingInterval = 100 });

    [Fact]
    public async Task A_tiny_experiment_is_designed_in_the_wizard_watched_live_to_the_end_and_compared()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        var page = await chromium.OpenAsync(host.Address);
        await Chromium.GoToAsync(page, new Uri(host.Address, "/experiments/new"));
        await Expect(page.GetByTestId("wizard-step-dataset")).ToBeVisibleAsync();

        // 1. Dataset: the built-in one, small.
        await page.GetByTestId("dataset-builtin").ClickAsync();
        // 1,200 images: each model trains long enough that the page sees the first while the fifth has not started,
        // even on a fast machine (with 300 a CI-like run had BAN-2's points before the test saw the teacher's first).
        await FillAsync(page, "dataset-trainSize", "1200");
        await FillAsync(page, "dataset-testSize", "100");
        await Chromium.ScreenshotAsync(page, "wizard-dataset");
        await page.GetByTestId("wizard-next").ClickAsync();
        // 2. Teacher: the default WRN-10-1; its parameter count is shown.
        await Expect(page.GetByTestId("wizard-step-teacher")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("teacher-parameters")).Not.ToHaveAttributeAsync("data-count", "");
        await Chromium.ScreenshotAsync(page, "wizard-teacher");
        await page.GetByTestId("wizard-next").ClickAsync();
        // 3. Students: 2 generations, CWTM and DKPP, starting where BAN-1 starts.
        await Expect(page.GetByTestId("wizard-step-students")).ToBeVisibleAsync();
        await FillAsync(page, "students-generations", "2");
        await Expect(page.GetByTestId("students-sharedStart")).ToBeDisabledAsync(); // BAN-1 alone: nothing to share with
        await page.GetByTestId("students-treatment-cwtm").ClickAsync();
        await page.GetByTestId("students-treatment-dkpp").ClickAsync();
        await page.GetByTestId("students-sharedStart").ClickAsync();
        await Expect(page.GetByTestId("students-sharedStart")).ToBeCheckedAsync();
        await Chromium.ScreenshotAsync(page, "wizard-students");
        await page.GetByTestId("wizard-next").ClickAsync();
        // 4. Schedule: 2 epochs.
        await Expect(page.GetByTestId("wizard-step-schedule")).ToBeVisibleAsync();
        await FillAsync(page, "schedule-epochs", "2");
        await FillAsync(page, "schedule-batchSize", "50");
        await Chromium.ScreenshotAsync(page, "wizard-schedule");
        await page.GetByTestId("wizard-next").ClickAsync();
        // 5. Review: the plan in order, then launch.
        await Expect(page.GetByTestId("wizard-step-review")).ToBeVisibleAsync();
        await FillAsync(page, "review-name", "wizard-tiny");
        var keys = (await page.GetByTestId("review-plan-key").AllTextContentsAsync()).Select(k => k.Trim()).ToList();
        foreach (var key in new[] { "seed-1/teacher", "seed-1/cwtm", "seed-1/dkpp", "seed-1/ban-1", "seed-1/ban-2", "seed-1/ens-2" })
            Assert.Contains(key, keys);
        // Each step's model seed: CWTM and DKPP take BAN-1's (on their own they would be 1003 and 1004).
        var seeds = keys.Zip((await page.GetByTestId("review-plan-seed").AllTextContentsAsync()).Select(t => t.Trim())).ToDictionary();
        Assert.Equal(("1000", "1001", "1002", "1001", "1001", ""),
            (seeds["seed-1/teacher"], seeds["seed-1/ban-1"], seeds["seed-1/ban-2"], seeds["seed-1/cwtm"], seeds["seed-1/dkpp"], seeds["seed-1/ens-2"]));
        await Chromium.ScreenshotAsync(page, "wizard-review");
        await page.GetByTestId("wizard-launch").ClickAsync();

        // The live page: the charts gain points while it trains, the plan bar moves, then it ends completed.
        await Expect(page).ToHaveURLAsync(new Regex(@"/experiments/\d+$"));
        int id = int.Parse(page.Url.Split('/')[^1], CultureInfo.InvariantCulture);
        await WaitForPointsAsync(page, "error-chart", "seed-1/teacher:test", 1);
        // BAN-2 is the plan's fifth model: it has no point while the teacher (the first) has just got one. Seeing
        // it at 0 now and at 2 later shows the chart grew on the open page (the teacher alone may go from 1 to 2
        // between two polls on a fast machine, so it cannot show that).
        int early = await PointsAsync(page, "error-chart", "seed-1/ban-2:test");
        Assert.Equal(0, early);
        await WaitForPointsAsync(page, "error-chart", "seed-1/teacher:test", 2);
        await WaitForPointsAsync(page, "loss-chart", "seed-1/teacher:train", 2);
        await page.WaitForFunctionAsync($"() => {{ const p = ({PlanProgress})(); return p && p.done > 0 && p.done < p.total; }}");
        await Chromium.ScreenshotAsync(page, "live-training");
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("completed", new() { Timeout = 180_000 });
        var end = await page.EvaluateAsync<System.Text.Json.JsonElement>(PlanProgress);
        Assert.Equal(end.GetProperty("total").GetDouble(), end.GetProperty("done").GetDouble());
        foreach (var run in new[] { "seed-1/teacher", "seed-1/cwtm", "seed-1/dkpp", "seed-1/ban-1", "seed-1/ban-2" })
        {
            Assert.Equal(2, await PointsAsync(page, "error-chart", $"{run}:test"));
            Assert.Equal(2, await PointsAsync(page, "lr-chart", $"{run}:lr"));
        }
        await Chromium.ScreenshotAsync(page, "live-completed");
        // The log stays inside its half of the page: no message (paths included) widens it into a sideways scroll.
        var log = await page.EvaluateAsync<int[]>("() => { const c = document.querySelector('[data-testid=log-panel] .mud-table-container'); return [c.scrollWidth, c.clientWidth]; }");
        Assert.True(log[0] <= log[1] + 1, $"the log panel scrolls sideways: {log[0]} px of content in {log[1]} px");
        // Epochs are whole numbers: each chart ticks at 1 and 2 only (Plotly's own choice for a 2-epoch axis adds 1.5).
        foreach (var chart in new[] { "loss-chart", "error-chart", "lr-chart" })
            Assert.Equal(["1", "2"], await page.GetByTestId(chart).Locator(".xtick text").AllTextContentsAsync());
        // At 1280 px each chart's title fits inside it, and the one legend is the middle chart's (the others give that width to the curves).
        foreach (var chart in new[] { "loss-chart", "error-chart", "lr-chart" })
        {
            var frame = (await page.GetByTestId(chart).BoundingBoxAsync())!;
            var title = (await page.GetByTestId(chart).Locator(".gtitle").BoundingBoxAsync())!;
            Assert.True(title.X >= frame.X && title.X + title.Width <= frame.X + frame.Width,
                $"{chart}'s title spans x {title.X:0}-{title.X + title.Width:0}, outside the chart's {frame.X:0}-{frame.X + frame.Width:0}");
            Assert.Equal(chart == "error-chart" ? 1 : 0, await page.GetByTestId(chart).Locator("g.legend").CountAsync());
        }
        await Expect(page.GetByTestId("chart-note")).ToContainTextAsync("the objective it learns with");
        var details = await host.GetAsync(id);
        Assert.Equal("wizard-tiny", details.Name);
        Assert.All(details.Runs, r => Assert.Equal("completed", r.Status));

        // Outputs (section 3.2), on the test images: every model and the ensemble, from their checkpoints, with the
        // test errors the runs stored; the CSV link downloads the same rows.
        await page.GetByTestId("outputs-test").ClickAsync();
        await Expect(page.GetByTestId("outputs-row")).ToHaveCountAsync(details.Runs.Count, new() { Timeout = 60_000 });
        foreach (var run in details.Runs)
        {
            var outputsRow = page.Locator($"[data-testid=outputs-row][data-key='{run.Key}']");
            await Expect(outputsRow.GetByTestId("outputs-error")).ToHaveTextAsync((run.FinalTestError!.Value * 100).ToString("0.00", CultureInfo.InvariantCulture));
            // and its test loss, to the 3 decimals shown (the run's from float32 arithmetic, the panel's from float64)
            Assert.Equal(run.FinalTestLoss!.Value, double.Parse(await outputsRow.GetByTestId("outputs-loss").TextContentAsync() ?? "", CultureInfo.InvariantCulture), 0.0015);
        }
        await Expect(page.GetByTestId("outputs-caption")).ToContainTextAsync("Test images: 100");
        await Chromium.ScreenshotAsync(page, "live-outputs");
        await page.GetByTestId("outputs-panel").ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotFolder, "live-outputs-panel.png") });
        var outputs = DashboardPage.ReadCsv(await DashboardPage.DownloadAsync(page, () => page.GetByTestId("outputs-csv").ClickAsync()));
        Assert.Equal(details.Runs.Count, outputs.Count);
        // By class: the teacher's matrix over the built-in data's 10 classes, its 10 most alike pairs; the CSV by class
        // downloads every (model, true class, class) entry.
        int classes = BanStudio.Training.Data.BuiltinDataset.ClassNames.Count;
        await Expect(page.GetByTestId("classes-matrix-row")).ToHaveCountAsync(classes);
        await Expect(page.GetByTestId("classes-pair")).ToHaveCountAsync(10);
        var byClass = DashboardPage.ReadCsv(await DashboardPage.DownloadAsync(page, () => page.GetByTestId("classes-csv").ClickAsync()));
        Assert.Equal(details.Runs.Count * classes * classes, byClass.Count);

        // Its spec downloads from the live page; "Edit as new" opens the wizard on the same design under a new name.
        string spec = await DashboardPage.DownloadAsync(page, () => page.GetByTestId("spec-json-link").ClickAsync());
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(details.Spec), System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(spec).RootElement));
        await page.GetByTestId("edit-as-new-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/experiments/new\?from={id}$"));
        await Expect(page.GetByTestId("wizard-from")).ToContainTextAsync($"Started from experiment #{id}, wizard-tiny");
        await Expect(page.GetByTestId("wizard-step-dataset")).ToBeVisibleAsync();
        await Expect(page.Locator("input[data-testid=dataset-trainSize]")).ToHaveValueAsync("1200");
        Assert.True(System.Text.Json.JsonDocument.Parse(spec).RootElement.GetProperty("sharedStart").GetBoolean());
        await page.GetByRole(AriaRole.Tab, new() { Name = "Students" }).ClickAsync();
        await Expect(page.GetByTestId("students-sharedStart")).ToBeCheckedAsync();

        // Compare, from the navigation: the Table 2 cells carry this experiment's numbers; both CSVs download.
        await Chromium.GoToAsync(page, new Uri(host.Address, $"/compare?ids={id}"));
        await Expect(page.GetByTestId("compare-table")).ToBeVisibleAsync();
        string row = (await page.Locator("[data-testid^='compare-row-']").First.GetAttributeAsync("data-testid"))!["compare-row-".Length..];
        foreach (var run in details.Runs)
            await Expect(page.GetByTestId($"cell-{row}-{run.Column}").GetByTestId("cell-value"))
                .ToContainTextAsync((run.FinalTestError!.Value * 100).ToString("0.00", CultureInfo.InvariantCulture));
        var table = DashboardPage.ReadCsv(await DashboardPage.DownloadAsync(page, () => page.GetByTestId("export-table-csv").ClickAsync()));
        Assert.Equal(details.Runs.Count, table.Count);
        var epochs = DashboardPage.ReadCsv(await DashboardPage.DownloadAsync(page, () => page.GetByTestId("export-epochs-csv").ClickAsync()));
        Assert.Equal(10, epochs.Count);
    }

    [Fact]
    public async Task A_template_from_the_menu_fills_the_wizard_with_a_papers_row()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        var page = await chromium.OpenAsync(host.Address);
        await Chromium.GoToAsync(page, new Uri(host.Address, "/experiments/new"));
        await Expect(page.GetByTestId("wizard-step-dataset")).ToBeVisibleAsync();

        await page.GetByTestId("wizard-templates").ClickAsync();
        await page.GetByTestId("wizard-template-paper-cifar100-table5-wrn-4-0.5").ClickAsync();
        await Expect(page.GetByTestId("wizard-template-note")).ToContainTextAsync("Table 5's BAN-Wide-ResNet-4-0.5 row");
        await Chromium.ScreenshotAsync(page, "wizard-template");

        // The students step holds the template's design: a BAN-ResNet student and the label-only Baseline.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Students" }).ClickAsync();
        await Expect(page.GetByTestId("wizard-step-students")).ToBeVisibleAsync();
        await Expect(CheckBox(page, "students-treatment-baseline")).ToBeCheckedAsync();
        await Expect(CheckBox(page, "students-treatment-cwtm")).Not.ToBeCheckedAsync();
        await Expect(page.GetByTestId("wizard-stepper")).ToContainTextAsync("BAN-Wide-ResNet-4-0.5");
    }

    [Fact]
    public async Task An_experiment_is_cancelled_mid_run_from_its_live_page_and_resumed_from_it()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        int id = await host.SubmitAsync(StudioHost.TinySpec("live-cancel", generations: 2, epochs: 10));
        var page = await chromium.OpenAsync(host.Address);
        await Chromium.GoToAsync(page, new Uri(host.Address, $"/experiments/{id}"));

        await WaitForPointsAsync(page, "error-chart", "seed-1/ban-1:test", 1);
        await page.GetByTestId("cancel-button").ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("cancelled");
        await Chromium.ScreenshotAsync(page, "live-cancelled");
        var teacher = (await host.GetAsync(id)).Runs.Single(r => r.Key == "seed-1/teacher");
        Assert.Equal("completed", teacher.Status);

        await page.GetByTestId("resume-button").ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("completed", new() { Timeout = 180_000 });
        var done = await host.GetAsync(id);
        Assert.All(done.Runs, r => Assert.Equal("completed", r.Status));
        Assert.Equal(teacher, done.Runs.Single(r => r.Key == "seed-1/teacher"));
        Assert.Equal(10, await PointsAsync(page, "error-chart", "seed-1/ban-2:test"));
    }
}
