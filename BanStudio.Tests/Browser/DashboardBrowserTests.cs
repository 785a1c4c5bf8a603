using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using BanStudio.Training.Training;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BanStudio.Tests.Browser;

/// <summary>
/// The pages in Debian's Chromium against the real app (real Kestrel, SQLite file, training queue):
/// what a person sees while tiny experiments train on the built-in data.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DashboardBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_dashboard_shows_a_submitted_experiment_its_progress_bar_moving_to_the_end_and_both_csvs_download()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        var page = await chromium.OpenAsync(host.Address);
        await Expect(page.GetByText("No experiments yet")).ToBeVisibleAsync();
        // The device chip has the short name; why oneDNN is off (where it is: this CPU and CI's) shows on hovering it.
        var (device, why) = DeviceChoice.Summarise(DeviceChoice.Resolve("auto"));
        await Expect(page.GetByTestId("device")).ToHaveTextAsync("Device: " + device);
        if (why is not null)
        {
            await page.GetByTestId("device").HoverAsync();
            await Expect(page.GetByText(why)).ToBeVisibleAsync();
            await page.Mouse.MoveAsync(0, 0);
        }

        // 10 epochs a model: long enough (seconds a step) that the throttled dashboard shows the bar part-way on a fast machine.
        int id = await host.SubmitAsync(StudioHost.TinySpec("browser-progress", generations: 2, epochs: 10));

        // Teacher, BAN-1, BAN-2, Ens*2: four steps. The bar must be seen part-way, then full.
        var first = await DashboardPage.WaitForAsync(page, "browser-progress", "r => r.total === 4");
        Assert.True(first.Done < 4, $"the experiment was already finished when first seen: {first}");
        var midway = await DashboardPage.WaitForAsync(page, "browser-progress", "r => r.done > 0 && r.done < 4");
        Assert.Equal("running", midway.Status);
        Assert.Equal($"{midway.Done}/4 steps", midway.Caption);
        await Chromium.ScreenshotAsync(page, "dashboard-training");
        var end = await DashboardPage.WaitForAsync(page, "browser-progress", "r => r.status !== 'running' && r.status !== 'queued'");
        Assert.Equal(new DashboardPage.Row(4, 4, "completed", "4/4 steps"), end);
        await Chromium.ScreenshotAsync(page, "dashboard-completed");

        // results.csv through the row's link, metrics.csv through a link click in the page: both are browser downloads.
        var details = await host.GetAsync(id);
        var row = page.Locator("tbody tr", new() { HasText = "browser-progress" });
        var results = DashboardPage.ReadCsv(await DashboardPage.DownloadAsync(page, () => row.GetByText("results.csv").ClickAsync()));
        Assert.Equal(["seed-1/teacher", "seed-1/ban-1", "seed-1/ban-2", "seed-1/ens-2"], results.Select(r => r["key"]));
        Assert.Equal(details.Runs.Select(r => (r.FinalTestError!.Value * 100).ToString("0.00", CultureInfo.InvariantCulture)),
            results.Select(r => r["final_epoch_test_error_pct"]));
        Assert.All(results, r => Assert.InRange(double.Parse(r["final_epoch_test_error_pct"], CultureInfo.InvariantCulture), 0, 100));

        var metrics = DashboardPage.ReadCsv(await DashboardPage.DownloadAsync(page,
            () => DashboardPage.ClickDownloadLinkAsync(page, $"/api/experiments/{id}/metrics.csv")));
        Assert.Equal(30, metrics.Count); // three trained runs, ten epochs each
        Assert.Equal(Enumerable.Range(1, 10).Select(e => e.ToString(CultureInfo.InvariantCulture)), metrics.Where(m => m["run_key"] == "seed-1/ban-2").Select(m => m["epoch"]));
        Assert.Equal(details.Runs[2].FinalTestError, double.Parse(metrics[^1]["test_error"], CultureInfo.InvariantCulture));

        // Ticked on the dashboard, the experiment opens on the compare page with its numbers.
        await Expect(page.GetByTestId("compare-selected")).ToBeDisabledAsync();
        await page.GetByTestId($"select-{id}").CheckAsync();
        await page.GetByTestId("compare-selected").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/compare\?ids={id}$"));
        await Expect(page.GetByTestId("cell-0-BAN-2").GetByTestId("cell-value"))
            .ToHaveTextAsync((details.Runs[2].FinalTestError!.Value * 100).ToString("0.00", CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task An_experiment_cancelled_mid_run_shows_cancelled_and_after_resume_completes_keeping_its_finished_teacher()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        var page = await chromium.OpenAsync(host.Address);
        int id = await host.SubmitAsync(StudioHost.TinySpec("browser-cancel", generations: 2, epochs: 10));

        // As soon as the page shows the teacher done, stop it (the dashboard has no button: the API is the control).
        await DashboardPage.WaitForAsync(page, "browser-cancel", "r => r.done >= 1");
        await Expect(page.GetByTestId($"delete-{id}")).ToBeDisabledAsync(); // training: cancel first
        using (var cancel = await host.Http.PostAsync($"/api/experiments/{id}/cancel", null))
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await DashboardPage.WaitForAsync(page, "browser-cancel", "r => r.status === 'cancelled'");
        Assert.InRange(cancelled.Done, 1, 3);
        await Chromium.ScreenshotAsync(page, "dashboard-cancelled");
        var teacher = (await host.GetAsync(id)).Runs.Single(r => r.Key == "seed-1/teacher");
        Assert.Equal("completed", teacher.Status);

        using (var resume = await host.Http.PostAsync($"/api/experiments/{id}/resume", null))
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var done = await DashboardPage.WaitForAsync(page, "browser-cancel", "r => r.status === 'completed'");
        Assert.Equal(new DashboardPage.Row(4, 4, "completed", "4/4 steps"), done);
        Assert.Equal(teacher, (await host.GetAsync(id)).Runs.Single(r => r.Key == "seed-1/teacher"));

        // Delete asks first; "Keep it" keeps it, "Delete" removes the row, the rows behind it and the checkpoints.
        string folder = (await host.GetAsync(id)).Folder;
        Assert.True(Directory.Exists(folder));
        await page.GetByTestId($"delete-{id}").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await Expect(page.Locator("tbody tr", new() { HasText = "browser-cancel" })).ToHaveCountAsync(1);
        await page.GetByTestId($"delete-{id}").ClickAsync();
        await Expect(page.GetByText("This cannot be undone", new() { Exact = false })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(page.Locator("tbody tr", new() { HasText = "browser-cancel" })).ToHaveCountAsync(0);
        using (var gone = await host.Http.GetAsync($"/api/experiments/{id}"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task The_models_and_datasets_pages_show_the_presets_and_where_each_dataset_is()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        var page = await chromium.OpenAsync(host.Address);
        await page.GetByRole(AriaRole.Link, new() { Name = "Models" }).First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(host.Address, "/models").ToString());
        var wrn = page.Locator("tbody tr", new() { HasText = "WRN-28-10" });
        await Expect(wrn.Locator("td").Nth(2)).ToHaveTextAsync("36.48M");
        await Expect(wrn.Locator("td").Nth(3)).ToHaveTextAsync("36.54M");
        await Expect(page.Locator("tbody tr", new() { HasText = "DenseNet-90-60" }).Locator("td").Nth(3)).ToHaveTextAsync("16.24M");
        await Chromium.ScreenshotAsync(page, "models");

        await Chromium.GoToAsync(page, new Uri(host.Address, "/datasets"));
        // "builtin" is also in "builtin-text": rows are found by their kind's test id.
        ILocator Row(string kind) => page.Locator("tbody tr", new() { Has = page.Locator($"[data-testid=datasets-{kind}]") });
        var builtin = Row("builtin");
        await Expect(builtin).ToContainTextAsync("available");
        await Expect(builtin).ToContainTextAsync("generated in memory");
        // The language models' corpora follow the images.
        await Expect(Row("builtin-text")).ToContainTextAsync("available");
        await Expect(Row("builtin-text")).ToContainTextAsync("generated in memory");
        await Expect(Row("ptb")).ToContainTextAsync("Penn Treebank");
        // test.sh installs Debian's dataset-fashion-mnist; the page must say where it found it.
        var fashion = page.Locator("tbody tr", new() { HasText = "fashion-mnist" });
        await Expect(fashion).ToContainTextAsync("available");
        await Expect(fashion).ToContainTextAsync("/usr/share/datasets/fashion-mnist");
        await Expect(page.Locator("tbody tr", new() { HasText = "cifar100" })).ToContainTextAsync("missing");
        await Chromium.ScreenshotAsync(page, "datasets");
    }

    [Fact]
    public async Task Experiment_names_that_are_markup_are_shown_as_text_and_never_run()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        string[] names = ["<img src=x onerror=\"window.__xss=1\">", "<script>window.__xss=2</script>", "</td><b id=\"injected\">bold</b>"];
        foreach (var name in names)
            await host.SubmitAsync(StudioHost.TinySpec("placeholder", generations: 1).Replace("\"placeholder\"", System.Text.Json.JsonSerializer.Serialize(name)));
        var page = await chromium.OpenAsync(host.Address);

        foreach (var name in names)
            await Expect(page.Locator("tbody tr [data-testid=experiment-link]", new() { HasTextString = name })).ToHaveTextAsync(name);
        Assert.Equal(0, await page.Locator("tbody img, tbody script, #injected").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
        await Chromium.ScreenshotAsync(page, "dashboard-escaped-names");
    }
}
