using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BanStudio.Tests.Browser;

/// <summary>
/// The Compare page in Chromium after a tiny experiment (teacher, BAN-1, BAN-2, CWTM, DKPP, Table 5's Baseline, Ens*2):
/// the Table 2 layout with the numbers the API holds, the curves, both CSV exports downloaded and parsed, and Δ taken
/// against the Baseline instead of the teacher.
/// The page's data-testid attributes are documented at the top of Compare.razor.cs.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed partial class CompareBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [GeneratedRegex(@"^\d+\.\d\d")]
    private static partial Regex LeadingNumber();

    [Fact]
    public async Task Compare_shows_the_Table_2_layout_with_the_experiments_numbers_its_curves_and_both_csvs_download()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        int id = await host.SubmitAsync(StudioHost.TinySpec("compare-me", generations: 2, epochs: 2)
            .Replace("\"generations\": 2,", "\"generations\": 2, \"treatments\": [\"cwtm\", \"dkpp\", \"baseline\"],"));
        var page = await chromium.OpenAsync(host.Address);
        await DashboardPage.WaitForAsync(page, "compare-me", "r => r.status === 'completed'");
        var details = await host.GetAsync(id);
        var finalPercent = details.Runs.ToDictionary(r => r.Column, r => r.FinalTestError!.Value * 100);

        // From the navigation, then pick the experiment in the picker: the selection goes to the URL.
        await page.GetByRole(AriaRole.Link, new() { Name = "Compare" }).First.ClickAsync();
        await Expect(page.GetByTestId("compare-empty")).ToBeVisibleAsync();
        await page.GetByTestId("compare-experiments").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "compare-me" }).ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page).ToHaveURLAsync(new Regex($"/compare\\?ids={id}$"));

        var table = page.GetByTestId("compare-table");
        await Expect(table).ToBeVisibleAsync();
        var headers = await page.Locator("[data-testid^='compare-header-']").AllTextContentsAsync();
        foreach (var column in new[] { "Teacher", "Baseline", "BAN-1", "BAN-2", "CWTM", "DKPP", "Ens*2" })
            Assert.Contains(column, headers.Select(h => h.Trim()));
        string row = (await page.Locator("[data-testid^='compare-row-']").First.GetAttributeAsync("data-testid"))!["compare-row-".Length..];
        foreach (var (column, percent) in finalPercent)
        {
            string shown = (await page.GetByTestId($"cell-{row}-{column}").GetByTestId("cell-value").TextContentAsync())!.Trim();
            Assert.Equal(percent.ToString("0.00", CultureInfo.InvariantCulture), LeadingNumber().Match(shown).Value);
        }
        Assert.Equal(1, await table.Locator("[data-best='true']").CountAsync());

        // The curves: a Plotly trace per chosen model (the teacher and BAN-1 by default), one point per epoch.
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=curves-chart] .js-plotly-plot')?.data?.length > 0");
        var traces = await page.EvaluateAsync<JsonElement>(
            "() => document.querySelector('[data-testid=curves-chart] .js-plotly-plot').data.map(t => ({ name: t.name, points: t.x.length }))");
        var shownCurves = traces.EnumerateArray().Select(t => (Name: t.GetProperty("name").GetString()!, Points: t.GetProperty("points").GetInt32())).ToList();
        Assert.Contains(shownCurves, t => t.Name.StartsWith("Teacher", StringComparison.Ordinal));
        Assert.All(shownCurves, t => Assert.Equal(2, t.Points));
        await Chromium.ScreenshotAsync(page, "compare");

        var tableCsv = DashboardPage.ReadCsv(await DashboardPage.DownloadAsync(page, () => page.GetByTestId("export-table-csv").ClickAsync()));
        foreach (var (column, percent) in finalPercent)
        {
            var line = tableCsv.Single(l => l["column"] == column);
            Assert.Equal(percent, double.Parse(line["final_epoch_mean"], CultureInfo.InvariantCulture), 9);
            Assert.Equal("1", line["final_epoch_n"]);
        }
        var epochsCsv = DashboardPage.ReadCsv(await DashboardPage.DownloadAsync(page, () => page.GetByTestId("export-epochs-csv").ClickAsync()));
        Assert.Equal(12, epochsCsv.Count); // six trained models, two epochs each
        Assert.Equal(["1", "2"], epochsCsv.Where(r => r["column"] == "DKPP").Select(r => r["epoch"]));

        // Table 5's question: each model against the Baseline (the students' network from labels) instead of the teacher.
        await Expect(page.GetByTestId($"lineage-{row}-node-Baseline")).ToBeVisibleAsync();
        await page.GetByTestId("compare-against").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Baseline" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/compare\\?ids={id}&against=Baseline$"));
        await Expect(page.GetByTestId("compare-caption")).ToContainTextAsync("Δ = Baseline − model");
        double delta = finalPercent["Baseline"] - finalPercent["CWTM"];
        await Expect(page.GetByTestId($"cell-{row}-CWTM").GetByTestId("cell-delta"))
            .ToHaveTextAsync($"Δ {(delta >= 0 ? "+" : "−")}{Math.Abs(delta).ToString("0.00", CultureInfo.InvariantCulture)} pts");
        var againstCsv = DashboardPage.ReadCsv(await DashboardPage.DownloadAsync(page, () => page.GetByTestId("export-table-csv").ClickAsync()));
        Assert.All(againstCsv, l => Assert.Equal("Baseline", l["compared_with"]));
        Assert.Equal(delta, double.Parse(againstCsv.Single(l => l["column"] == "CWTM")["final_epoch_improvement_over_teacher"], CultureInfo.InvariantCulture), 9);
        await Chromium.ScreenshotAsync(page, "compare-against-baseline");

        // By test loss (what the error rate does not see: how much probability lands on the true class): nats with
        // three decimals, the choice kept in the URL beside ?against= and in the downloaded table.
        var finalLoss = details.Runs.ToDictionary(r => r.Column, r => r.FinalTestLoss!.Value);
        await page.GetByTestId("compare-metric").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "test loss" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/compare\\?ids={id}&against=Baseline&metric=test_loss$"));
        await Expect(page.GetByTestId("compare-view-label")).ToHaveTextAsync("Final-epoch test loss (nats)");
        // The curves' test metric follows: the chart drawn before the choice is redrawn in nats.
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=curves-chart] .js-plotly-plot')?.layout?.yaxis?.title?.text === 'test loss (nats)'");
        var teacherCurve = await page.EvaluateAsync<double[]>(
            "() => document.querySelector('[data-testid=curves-chart] .js-plotly-plot').data.find(t => t.name.startsWith('Teacher')).y");
        Assert.Equal(finalLoss["Teacher"], teacherCurve[^1], 6);
        foreach (var (column, loss) in finalLoss)
            await Expect(page.GetByTestId($"cell-{row}-{column}").GetByTestId("cell-value")).ToHaveTextAsync(loss.ToString("0.000", CultureInfo.InvariantCulture));
        var lossCsv = DashboardPage.ReadCsv(await DashboardPage.DownloadAsync(page, () => page.GetByTestId("export-table-csv").ClickAsync()));
        Assert.All(lossCsv, l => Assert.Equal("test loss (nats)", l["metric"]));
        Assert.Equal(finalLoss["CWTM"], double.Parse(lossCsv.Single(l => l["column"] == "CWTM")["final_epoch_mean"], CultureInfo.InvariantCulture), 9);
        await Chromium.ScreenshotAsync(page, "compare-by-test-loss");
    }
}
