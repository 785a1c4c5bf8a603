using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Microsoft.Playwright;

namespace BanStudio.Tests.Browser;

/// <summary>What a person sees of one experiment's row on the dashboard, read from the page itself.</summary>
public static class DashboardPage
{
    /// <summary>The row's progress bar (aria-valuenow / aria-valuemax), status chip and steps caption ("1/4 steps", not the ETA beside it); null while the row is absent.</summary>
    const string ReadRow = """
        name => {
          const row = [...document.querySelectorAll('tbody tr')]
            .find(r => r.querySelector('[data-testid=experiment-link]')?.textContent.trim() === name);
          if (!row) return null;
          const bar = row.querySelector('[role=progressbar]');
          return { done: Number(bar?.getAttribute('aria-valuenow')), total: Number(bar?.getAttribute('aria-valuemax')),
                   status: row.querySelector('.mud-chip')?.textContent.trim() ?? '',
                   caption: bar?.closest('td')?.querySelector('.mud-typography-caption')?.textContent.trim() ?? '' };
        }
        """;

    public sealed record Row(double Done, double Total, string Status, string Caption);

    public static async Task<Row?> ReadAsync(IPage page, string name)
    {
        var json = await page.EvaluateAsync<JsonElement?>(ReadRow, name);
        return json is { ValueKind: JsonValueKind.Object } o
            ? new Row(o.GetProperty("done").GetDouble(), o.GetProperty("total").GetDouble(),
                o.GetProperty("status").GetString()!, o.GetProperty("caption").GetString()!)
            : null;
    }

    /// <summary>
    /// Waits (polling the page, not sleeping) until the row satisfies <paramref name="condition"/>, a JS predicate over the row.
    /// Up to 4 minutes: the conditions wait for training (a 10-epoch tiny experiment took 35-45 s alone here, and more than
    /// the context's default 90 s once while the 2 cores were shared with a build and other tests).
    /// </summary>
    public static async Task<Row> WaitForAsync(IPage page, string name, string condition)
    {
        await page.WaitForFunctionAsync($"name => {{ const r = ({ReadRow})(name); return r !== null && ({condition})(r); }}", name,
            new PageWaitForFunctionOptions { PollingInterval = 100, Timeout = 240_000 });
        return (await ReadAsync(page, name))!;
    }

    /// <summary>Clicks <paramref name="trigger"/>, waits for the browser's download and returns the file's text.</summary>
    public static async Task<string> DownloadAsync(IPage page, Func<Task> trigger)
    {
        var download = await page.RunAndWaitForDownloadAsync(trigger);
        Assert.Null(await download.FailureAsync());
        return await File.ReadAllTextAsync((await download.PathAsync())!);
    }

    /// <summary>A link the page did not render (metrics.csv has none on the dashboard), clicked in the page as a person's click would.</summary>
    public static Task ClickDownloadLinkAsync(IPage page, string url) => page.EvaluateAsync("""
        url => { const a = document.createElement('a'); a.href = url; a.download = ''; document.body.append(a); a.click(); a.remove(); }
        """, url);

    public static List<Dictionary<string, string>> ReadCsv(string text)
    {
        using var csv = new CsvReader(new StringReader(text), CultureInfo.InvariantCulture);
        return csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>()
            .Select(r => r.ToDictionary(kv => kv.Key, kv => (string)kv.Value)).ToList();
    }
}
