using System.Globalization;
using System.Text.Json;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using BanStudio.Web.Features.Compare;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BanStudio.Tests.Browser;

/// <summary>
/// The live page's Outputs panel in Chromium after a 2-seed experiment scored on 60 of its 100 test images: "on all
/// test images" profiles the checkpoints on the whole test set, and the summary over seeds pairs each column with the
/// chosen one, with the figures the API gives for the same query.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class OutputsBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_whole_test_set_and_the_summary_over_seeds_show_the_apis_figures()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        int id = await host.SubmitAsync(StudioHost.TinySpec("seeds-in-browser", generations: 1, epochs: 1)
            .Replace("\"testSize\": 100 }", "\"testSize\": 100, \"testLimit\": 60 }", StringComparison.Ordinal)
            .Replace("\"seeds\": [1]", "\"seeds\": [1, 2]", StringComparison.Ordinal));
        Assert.Equal("completed", (await host.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(3))).Status);
        // What the page should show: each model's loss on all 100 test images.
        using var api = JsonDocument.Parse(await host.Http.GetStringAsync($"/api/experiments/{id}/outputs.json?split=test&testLimit=all"));
        var loss = api.RootElement.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("profile").GetProperty("loss").GetDouble());

        var page = await chromium.OpenAsync(new Uri(host.Address, $"/experiments/{id}"));
        await page.GetByTestId("outputs-test-all").ClickAsync();
        await Expect(page.GetByTestId("outputs-caption")).ToContainTextAsync("Test images: 100 (the whole test set", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("outputs-row")).ToHaveCountAsync(4);
        foreach (var (key, value) in loss)
            await Expect(page.Locator($"[data-testid=outputs-row][data-key='{key}'] [data-testid=outputs-loss]"))
                .ToHaveTextAsync(value.ToString("0.000", CultureInfo.InvariantCulture));
        Assert.EndsWith("split=test&testLimit=all", await page.GetByTestId("outputs-csv").GetAttributeAsync("href"));

        // Over the 2 seeds, against the teacher: BAN-1's mean loss difference, teacher − BAN-1, seed by seed.
        double Mean(string reference, string column) => new[] { 1, 2 }.Average(s => loss[$"seed-{s}/{reference}"] - loss[$"seed-{s}/{column}"]);
        var summary = page.GetByTestId("outputs-summary");
        await Expect(summary.Locator("[data-testid=outputs-summary-row]")).ToHaveCountAsync(2);
        await Expect(summary.Locator("[data-column='BAN-1'] [data-testid=outputs-summary-loss-delta]"))
            .ToContainTextAsync(SummaryCell.Signed(Mean("teacher", "ban-1"), 3) + " (p ");
        await Expect(summary.Locator("[data-column='Teacher'] [data-testid=outputs-summary-loss-delta]")).ToHaveTextAsync("");

        // Against BAN-1 instead, chosen in the select: now the teacher's row has the difference, the other way round.
        await page.GetByTestId("outputs-against").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "BAN-1" }).ClickAsync();
        await Expect(summary.Locator("[data-column='Teacher'] [data-testid=outputs-summary-loss-delta]"))
            .ToContainTextAsync(SummaryCell.Signed(Mean("ban-1", "teacher"), 3) + " (p ");
        await Expect(page.GetByTestId("outputs-summary-caption")).ToContainTextAsync("Δ = BAN-1 − column");
        await page.GetByTestId("outputs-summary-panel").ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotFolder, "live-outputs-summary.png") });
    }
}
