using BanStudio.Web.Features.Dashboard;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace BanStudio.Tests.Web.Pages;

public sealed class DashboardPageTests : IAsyncDisposable
{
    readonly PageContext _context = new();

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    int Store(string name, ExperimentStatus status, DateTimeOffset created, int totalSteps = 3)
    {
        using var db = _context.NewDb();
        var experiment = new Experiment { Name = name, SpecJson = "{}", Status = status, TotalSteps = totalSteps, CreatedAt = created };
        db.Experiments.Add(experiment);
        db.SaveChanges();
        return experiment.Id;
    }

    static List<string[]> Rows(IRenderedComponent<Dashboard> page) =>
        page.FindAll("tbody tr.mud-table-row").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();

    [Fact]
    public void Experiments_are_listed_newest_first_with_their_status_and_names_shown_as_text()
    {
        var now = DateTimeOffset.UtcNow;
        Store("baseline", ExperimentStatus.Completed, now.AddHours(-1));
        Store("<script>alert(1)</script>", ExperimentStatus.Running, now);

        var page = _context.Bunit.Render<Dashboard>();

        // The first read is asynchronous: wait for the rows, then look at them.
        page.WaitForAssertion(() => Assert.Equal(2, Rows(page).Count));
        var rows = Rows(page);
        Assert.Equal(["2", "<script>alert(1)</script>", "running"], rows[0][..3]);
        Assert.Equal(["1", "baseline", "completed"], rows[1][..3]);
        // Text, not markup: the name is escaped in the HTML and no script element was made of it.
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page.Markup);
        Assert.Empty(page.FindAll("script"));
        Assert.Contains("0/3 steps", rows[0][3]);
        Assert.Single(page.FindAll(".mud-chip-color-success"), c => c.TextContent.Trim() == "completed");
    }

    [Fact]
    public async Task An_experiment_queued_after_the_page_opened_appears_when_the_queue_announces_it()
    {
        Store("first", ExperimentStatus.Completed, DateTimeOffset.UtcNow);
        var page = _context.Bunit.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Single(Rows(page)));

        int id = Store("second", ExperimentStatus.Queued, DateTimeOffset.UtcNow);
        // Stored but not announced: the page does not poll, so it still shows one row.
        await Task.Delay(Dashboard.RefreshInterval * 2);
        Assert.Single(Rows(page));

        // The app's queue announces what it queues through the broadcaster, as the API's submit does.
        await _context.Bunit.Services.GetRequiredService<ExperimentQueue>().EnqueueAsync(id, CancellationToken.None);

        page.WaitForAssertion(() => Assert.Equal(["second", "first"], Rows(page).Select(r => r[1])),
            Dashboard.RefreshInterval * 5);
        // Each name links to its live page.
        Assert.Equal($"/experiments/{id}", page.FindAll("[data-testid=experiment-link]")[0].GetAttribute("href"));
    }
}
