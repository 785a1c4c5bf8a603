using System.Net;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace BanStudio.Tests.Faults;

/// <summary>
/// The database refusing a write at the worst moments, on the real app: the experiment's final status (it must not
/// stay "running" with this process as its owner) and the log line of a cancel (the cancel itself has landed).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class StoreWriteFailureTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Fails the next <see cref="Left"/> saves that <see cref="Matches"/> picks, as a locked or full database would.</summary>
    sealed class FailingWrites(Func<DbContext, bool> matches, int times) : SaveChangesInterceptor
    {
        int _left = times;
        public int Left => Volatile.Read(ref _left);
        Func<DbContext, bool> Matches { get; } = matches;

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
        {
            Fail(eventData.Context!);
            return base.SavingChangesAsync(eventData, result, ct);
        }

        public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
        {
            Fail(eventData.Context!);
            return base.SavingChanges(eventData, result);
        }

        void Fail(DbContext context)
        {
            if (Matches(context) && Interlocked.Decrement(ref _left) >= 0)
                throw new DbUpdateException("SQLite Error 5: 'database is locked' (injected by the test)");
        }
    }

    static bool EndsExperiment(DbContext db, ExperimentStatus status) =>
        db.ChangeTracker.Entries<Experiment>().Any(e => e.State == EntityState.Modified && e.Entity.Status == status && e.Entity.FinishedAt is not null);

    [Fact]
    public async Task A_final_status_write_that_fails_twice_is_tried_again_and_the_experiment_ends_completed()
    {
        var failing = new FailingWrites(db => EndsExperiment(db, ExperimentStatus.Completed), times: 2);
        await using var host = await StudioHost.StartAsync(_folder.Path, services: s => s.AddSingleton<IInterceptor>(failing));

        int id = await host.SubmitAsync(StudioHost.TinySpec("final write", generations: 1));
        var done = await host.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(2));

        Assert.Equal("completed", done.Status);
        Assert.True(failing.Left <= 0, $"the injected failures were not all hit ({failing.Left} left)");
        Assert.All(done.Runs, r => Assert.Equal("completed", r.Status));
        await using var db = new StudioDb(new DbContextOptionsBuilder<StudioDb>().UseSqlite(StudioDb.ConnectionString(Path.Combine(_folder.Path, "studio.db"))).Options);
        var stored = await db.Experiments.AsNoTracking().SingleAsync(e => e.Id == id);
        Assert.Null(stored.Owner); // no longer held by this process: Resume and Delete go by it
        Assert.Equal(HttpStatusCode.OK, (await host.Http.DeleteAsync($"/api/experiments/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_cancel_of_a_queued_experiment_whose_log_line_cannot_be_written_still_answers_202_and_stays_cancelled()
    {
        var failing = new FailingWrites(db => db.ChangeTracker.Entries<LogEntry>().Any(e => e.Entity.Message.Contains("cancelled before it started")), times: 1);
        await using var host = await StudioHost.StartAsync(_folder.Path, services: s => s.AddSingleton<IInterceptor>(failing));

        // One experiment at a time: the first trains (long), the second waits in the queue.
        int training = await host.SubmitAsync(StudioHost.TinySpec("trains", generations: 1, epochs: 50));
        int queued = await host.SubmitAsync(StudioHost.TinySpec("waits", generations: 1));
        Assert.Equal("queued", (await host.GetAsync(queued)).Status);

        using (var cancel = await host.Http.PostAsync($"/api/experiments/{queued}/cancel", null))
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(0, failing.Left);
        Assert.Equal("cancelled", (await host.GetAsync(queued)).Status);

        using (var stop = await host.Http.PostAsync($"/api/experiments/{training}/cancel", null))
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        Assert.Equal("cancelled", (await host.WaitUntilFinishedAsync(training, TimeSpan.FromMinutes(2))).Status);
    }
}
