using BanStudio.Web.Features.Dashboard;
using BanStudio.Web.Infrastructure.Data;
using Bunit;

namespace BanStudio.Tests.Web.Pages;

public sealed class DashboardPageTests : IAsyncDisposable
{
    readonly PageContext _context = new();

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    void Store(string name, ExperimentStatus status, DateTimeOffset created, int totalSteps = 3)
    {
        using var db = _context.NewDb();
        db.Experiments.Add(new Experiment { Name = name, SpecJson = "{}", Status = status, TotalSteps = totalSteps, CreatedAt = created });
        db.SaveChanges();
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
    public void An_experiment_submitted_after_the_page_opened_appears_on_the_next_refresh()
    {
        Store("first", ExperimentStatus.Completed, DateTimeOffset.UtcNow);
        var page = _context.Bunit.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Single(Rows(page)));

        Store("second", ExperimentStatus.Queued, DateTimeOffset.UtcNow);

        page.WaitForAssertion(() => Assert.Equal(["second", "first"], Rows(page).Select(r => r[1])),
            Dashboard.RefreshInterval * 5);
    }
}
