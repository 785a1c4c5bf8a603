using BanStudio.Web.Infrastructure.Queue;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Infrastructure.Data;

/// <summary>
/// Brings the database up to date before anything else starts (it is registered before the queue, and
/// hosted services start before Kestrel), then recovers from the last shutdown: an experiment left
/// "running" was stopped mid-training and is marked "interrupted" (resuming is the user's choice: it may
/// be what crashed the app), unless the process that trains it is still alive (the CLI's run), while
/// "queued" ones go back on the queue in submission order.
/// </summary>
public sealed class StudioDatabase(
    IDbContextFactory<StudioDb> dbFactory, ExperimentQueue queue, TimeProvider clock, ILogger<StudioDatabase> log) : IHostedService
{
    public const string InterruptedReason = "the app stopped while this was training; resume it to continue from the last checkpoint";

    public async Task StartAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await MigrateAsync(db, ct);

        var now = clock.GetUtcNow();
        // "Running" with a live owner is the CLI's run training in its own process right now: left alone.
        var running = await db.Experiments.Where(e => e.Status == ExperimentStatus.Running).Select(e => new { e.Id, e.Owner }).ToListAsync(ct);
        foreach (var other in running.Where(e => ProcessOwner.IsAlive(e.Owner)))
            log.LogInformation("Experiment {Id} is being trained by process {Owner}; left running", other.Id, other.Owner);
        var dead = running.Where(e => !ProcessOwner.IsAlive(e.Owner)).Select(e => e.Id).ToList();
        int interrupted = await db.Experiments.Where(e => dead.Contains(e.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExperimentStatus.Interrupted).SetProperty(e => e.Owner, (string?)null)
                .SetProperty(e => e.Reason, InterruptedReason).SetProperty(e => e.FinishedAt, now), ct);
        await db.Runs.Where(r => r.Status == RunStatus.Running && dead.Contains(r.ExperimentId))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Interrupted).SetProperty(r => r.Reason, InterruptedReason), ct);
        if (interrupted > 0) log.LogWarning("{Count} experiment(s) were running when the app stopped; marked interrupted", interrupted);

        var queued = await db.Experiments.Where(e => e.Status == ExperimentStatus.Queued).OrderBy(e => e.Id).Select(e => e.Id).ToListAsync(ct);
        foreach (int id in queued)
        {
            if (!queue.TryEnqueue(id))
            {
                // They stay "queued" in the file and are picked up at the next start.
                log.LogWarning("The queue is full; experiment {Id} and later ones wait for the next start", id);
                break;
            }
        }
    }

    /// <summary>Creates or upgrades the file, in WAL mode; the CLI's <c>run</c> does only this (no recovery: the app may be training).</summary>
    public static async Task MigrateAsync(StudioDb db, CancellationToken ct)
    {
        string? folder = Path.GetDirectoryName(db.Database.GetDbConnection().DataSource);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        await db.Database.MigrateAsync(ct);
        // WAL lets the pages read while the queue (or the CLI) writes; the mode is stored in the file, so once is enough.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
