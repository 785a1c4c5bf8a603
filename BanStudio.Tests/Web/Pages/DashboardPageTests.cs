using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Features.Dashboard;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace BanStudio.Tests.Web.Pages;

public sealed class DashboardPageTests : IAsyncDisposable
{
    readonly PageContext _context = new();

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    int Store(string name, ExperimentStatus status, DateTimeOffset created, int totalSteps = 3, ExperimentSpec? spec = null)
    {
        using var db = _context.NewDb();
        var experiment = new Experiment
        {
            Name = name, SpecJson = spec is null ? "{}" : SpecJson.Write(spec), Status = status,
            TotalSteps = spec is null ? totalSteps : ExperimentPlan.Create(spec).Steps.Count, CreatedAt = created,
        };
        db.Experiments.Add(experiment);
        db.SaveChanges();
        return experiment.Id;
    }

    /// <summary>Each row's cells after its tick box: #, name, status, progress, created, results.</summary>
    static List<string[]> Rows(IRenderedComponent<Dashboard> page) =>
        page.FindAll("tbody tr.mud-table-row").Select(r => r.QuerySelectorAll("td").Skip(1).Select(c => c.TextContent.Trim()).ToArray()).ToList();

    /// <summary>
    /// One click, awaited: bUnit's Click() dispatches without waiting (and drops what the dispatch throws), so reading
    /// the address right after it raced the renderer (one full run saw no navigation yet). A re-render between Find and
    /// the dispatch retires the found element's handler: then it is found afresh and clicked again.
    /// </summary>
    static async Task ClickAsync(IRenderedComponent<Dashboard> page, string selector)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await page.Find(selector).ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
                return;
            }
            catch (Bunit.Rendering.UnknownEventHandlerIdException) when (attempt < 5) { }
        }
    }

    [Fact]
    public async Task Ticked_experiments_open_together_on_the_compare_page_and_each_row_links_to_its_own()
    {
        var now = DateTimeOffset.UtcNow;
        int first = Store("first", ExperimentStatus.Completed, now.AddHours(-2));
        int second = Store("second", ExperimentStatus.Completed, now.AddHours(-1));
        int third = Store("third", ExperimentStatus.Running, now);
        var page = _context.Bunit.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Equal(3, Rows(page).Count));
        var button = page.Find("[data-testid=compare-selected]");
        Assert.True(button.HasAttribute("disabled"));

        void Tick(int id) => page.Find($"input[data-testid=select-{id}]").Change(true);
        Tick(third);
        Tick(second);
        Tick(first);
        page.Find($"input[data-testid=select-{second}]").Change(false); // and untick one
        page.WaitForAssertion(() => Assert.Contains("Compare 2 selected", page.Find("[data-testid=compare-selected]").TextContent));
        await ClickAsync(page, "[data-testid=compare-selected]");

        var navigation = _context.Bunit.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        Assert.EndsWith($"/compare?ids={first},{third}", navigation.Uri);
        Assert.Equal([$"/compare?ids={third}", $"/compare?ids={second}", $"/compare?ids={first}"],
            page.FindAll("[data-testid=experiment-compare]").Select(a => a.GetAttribute("href")));
    }

    [Fact]
    public void Creation_times_are_in_the_servers_zone_and_the_header_says_which()
    {
        var created = new DateTimeOffset(2026, 3, 14, 15, 9, 0, TimeSpan.Zero);
        Store("zoned", ExperimentStatus.Completed, created);
        var page = _context.Bunit.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Single(Rows(page)));
        var offset = TimeZoneInfo.Local.GetUtcOffset(created);
        Assert.Equal($"Created ({ServerTime.Label(TimeZoneInfo.Local.GetUtcOffset(DateTimeOffset.UtcNow))})", page.Find("[data-testid=dashboard-created-header]").TextContent.Trim());
        Assert.Equal(created.ToOffset(offset).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), Rows(page)[0][4]);

        Assert.Equal("UTC", ServerTime.Label(TimeSpan.Zero));
        Assert.Equal("UTC+05:30", ServerTime.Label(new TimeSpan(5, 30, 0)));
        Assert.Equal("UTC−03:00", ServerTime.Label(TimeSpan.FromHours(-3)));
    }

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

    [Fact]
    public void An_experiment_running_in_another_process_is_re_read_from_the_database()
    {
        int id = Store("headless", ExperimentStatus.Running, DateTimeOffset.UtcNow, totalSteps: 2);
        var page = _context.Bunit.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Equal("running", Rows(page)[0][2]));

        // The CLI's process finishes it in the shared file; nothing is published in this one.
        using (var db = _context.NewDb())
        {
            db.Experiments.Single(e => e.Id == id).Status = ExperimentStatus.Completed;
            db.SaveChanges();
        }

        page.WaitForAssertion(() => Assert.Equal("completed", Rows(page)[0][2]), Dashboard.OtherProcessInterval * 5);
    }

    [Fact]
    public void A_running_experiment_moves_and_shows_an_eta_from_broadcast_events()
    {
        var spec = SpecJson.Parse<ExperimentSpec>(StudioHost.TinySpec("eta", generations: 1, epochs: 4), "spec");
        var plan = ExperimentPlan.Create(spec);
        int id = Store("eta", ExperimentStatus.Running, DateTimeOffset.UtcNow, spec: spec);
        var page = _context.Bunit.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Single(Rows(page)));
        Assert.Empty(page.FindAll("[data-testid=experiment-eta]"));

        // The teacher finished (stored by the executor before it is published), BAN-1 is in its first epoch.
        var recorder = _context.Bunit.Services.GetRequiredService<ExperimentRecorder>();
        var teacher = plan.Steps[0];
        var result = new ModelResult { Key = teacher.Key, Column = teacher.Column, Seed = 1, Generation = 0, Model = "WRN-10-1", Objective = "label", Status = TrainingStatus.Completed, FinalTestError = 0.5 };
        foreach (var e in new ExperimentEvent[]
                 {
                     new StepStarted("eta", teacher, 0, plan.Steps.Count),
                     new StepFinished("eta", teacher, result, Reused: false),
                     new StepStarted("eta", plan.Steps[1], 1, plan.Steps.Count),
                     // 6 batches of 50 an epoch at 100 images a second: 0.5 s a batch; 3 left in epoch 1, then 3 epochs of 6.
                     new StepBatchProgress("eta", plan.Steps[1], new BatchProgress(1, 3, 6, 2.0, 100)),
                 })
        {
            recorder.Record(id, plan, "/tmp/unused", e);
            _context.Broadcaster.Publish(id, e);
        }

        page.WaitForAssertion(() =>
        {
            Assert.Contains("1/2 steps", Rows(page)[0][3]);
            // (3 + 3 * 6) batches * 0.5 s = 10.5 s; and no training is left after it.
            Assert.Equal("ETA 11 s", page.Find("[data-testid=experiment-eta]").TextContent.Trim());
        }, Dashboard.RefreshInterval * 5);
    }

    [Fact]
    public async Task An_experiment_deleted_while_its_training_events_are_still_arriving_leaves_the_list_and_the_selection()
    {
        var spec = SpecJson.Parse<ExperimentSpec>(StudioHost.TinySpec("gone", generations: 1, epochs: 2), "spec");
        var plan = ExperimentPlan.Create(spec);
        int kept = Store("kept", ExperimentStatus.Completed, DateTimeOffset.UtcNow.AddHours(-1));
        int gone = Store("gone", ExperimentStatus.Completed, DateTimeOffset.UtcNow, spec: spec);
        var page = _context.Bunit.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Equal(2, Rows(page).Count));
        page.Find($"input[data-testid=select-{gone}]").Change(true);
        page.Find($"input[data-testid=select-{kept}]").Change(true);
        page.WaitForAssertion(() => Assert.Contains("Compare 2 selected", page.Find("[data-testid=compare-selected]").TextContent));

        // A late event of a step (the page has never tracked this experiment) comes after the row is gone from the
        // database, and the deletion's own event after it: the page must neither fail on the missing row nor keep it.
        using (var db = _context.NewDb())
        {
            db.Experiments.Remove(db.Experiments.Single(e => e.Id == gone));
            db.SaveChanges();
        }
        _context.Broadcaster.Publish(gone, new StepStarted("gone", plan.Steps[1], 1, plan.Steps.Count));
        _context.Broadcaster.Publish(gone, new StepBatchProgress("gone", plan.Steps[1], new BatchProgress(1, 1, 6, 2.0, 100)));
        _context.Broadcaster.Publish(gone, new BanStudio.Web.Infrastructure.Live.ExperimentDeleted(gone));

        page.WaitForAssertion(() => Assert.Equal(["kept"], Rows(page).Select(r => r[1])), Dashboard.RefreshInterval * 5);
        page.WaitForAssertion(() => Assert.Contains("Compare 1 selected", page.Find("[data-testid=compare-selected]").TextContent));
        var navigation = _context.Bunit.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        string target = $"/compare?ids={kept}";
        await ClickAsync(page, "[data-testid=compare-selected]");
        Assert.EndsWith(target, navigation.Uri);
    }
}
