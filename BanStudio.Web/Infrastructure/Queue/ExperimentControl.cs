using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Infrastructure.Queue;

public enum ControlOutcome { Accepted, NotFound, Conflict }

/// <summary>What cancel or resume did: <see cref="Status"/> is the experiment's status now ("cancelling" while a training winds down).</summary>
public sealed record ControlResult(ControlOutcome Outcome, string Status, string? Problem = null);

/// <summary>What delete did with the experiment's files: removed, or kept and why (outside the app's runs folder, in use).</summary>
public sealed record DeleteResult(ControlOutcome Outcome, string? Problem = null, string? FilesKept = null);

/// <summary>Cancel, resume and delete, one code path for the HTTP API and the pages' buttons.</summary>
public sealed class ExperimentControl(
    IDbContextFactory<StudioDb> dbFactory, ExperimentQueue queue, ExperimentRecorder recorder, TrainingBroadcaster broadcaster, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<StudioOptions> options, ILogger<ExperimentControl> log)
{
    public const string CancelledBeforeStart = "cancelled before it started";

    public async Task<ControlResult> CancelAsync(int id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct);
        if (experiment is null) return new(ControlOutcome.NotFound, "");
        var now = clock.GetUtcNow();
        // Atomic with the queue's own queued -> running switch: exactly one of the two wins.
        int cancelled = await db.Experiments.Where(e => e.Id == id && e.Status == ExperimentStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExperimentStatus.Cancelled)
                .SetProperty(e => e.Reason, CancelledBeforeStart).SetProperty(e => e.FinishedAt, now), ct);
        if (cancelled == 1)
        {
            var ended = new ExperimentEnded(experiment.Name, id, ExperimentStatus.Cancelled, CancelledBeforeStart);
            // The cancel has landed; its log line is a record of it, and failing to write one must not turn it into a 500.
            try { recorder.RecordEnd(ended); }
            catch (Exception e) { log.LogError(e, "Could not store the log line of cancelled experiment {Id}", id); }
            broadcaster.Publish(id, ended);
            return new(ControlOutcome.Accepted, Words.Of(ExperimentStatus.Cancelled));
        }
        if (queue.CancelRunning(id)) return new(ControlOutcome.Accepted, "cancelling");
        string problem = experiment.Status == ExperimentStatus.Running
            // Trained by the CLI's run verb in another process: only that process can stop it.
            ? $"experiment {id} is training in another process (the CLI's run verb); stop it there with Ctrl+C"
            : $"experiment {id} is {Words.Of(experiment.Status)}: there is nothing to cancel";
        return new(ControlOutcome.Conflict, Words.Of(experiment.Status), problem);
    }

    public async Task<ControlResult> ResumeAsync(int id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct);
        if (experiment is null) return new(ControlOutcome.NotFound, "");
        // "Running" by a process that is gone (a CLI run killed while the app is up) is as interrupted: resumable
        // now, not only after the app's next start. Conditional on that owner, so a new owner in between wins.
        string? deadOwner = experiment.Status == ExperimentStatus.Running && !queue.IsRunningHere(id)
            && !ProcessOwner.IsAlive(experiment.Owner) ? experiment.Owner : null;
        int requeued = await db.Experiments
            .Where(e => e.Id == id && ((e.Status == ExperimentStatus.Cancelled || e.Status == ExperimentStatus.Failed || e.Status == ExperimentStatus.Interrupted)
                || (deadOwner != null && e.Status == ExperimentStatus.Running && e.Owner == deadOwner)))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExperimentStatus.Queued)
                .SetProperty(e => e.Reason, (string?)null).SetProperty(e => e.FinishedAt, (DateTimeOffset?)null), ct);
        if (requeued == 0)
            return new(ControlOutcome.Conflict, Words.Of(experiment.Status), experiment.Status == ExperimentStatus.Completed
                // Every step finished: queuing it again would only reuse them all (and reset its finish time).
                ? $"experiment {id} is completed: there is nothing to resume; to train it again, submit its spec as a new experiment"
                : $"experiment {id} is already {Words.Of(experiment.Status)}");
        await queue.EnqueueAsync(id, ct);
        return new(ControlOutcome.Accepted, Words.Of(ExperimentStatus.Queued));
    }

    /// <summary>
    /// Removes a stopped or finished experiment: its rows (runs, epochs, log, by cascade) and, when it trained in the app's
    /// runs folder, its folder of checkpoints. One that is queued or training is refused (cancel it first), in one
    /// conditional DELETE, so a resume or a start in between wins over the delete rather than training a deleted row.
    /// </summary>
    public async Task<DeleteResult> DeleteAsync(int id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct);
        if (experiment is null) return new(ControlOutcome.NotFound);
        int deleted = await db.Experiments
            .Where(e => e.Id == id && (e.Status == ExperimentStatus.Completed || e.Status == ExperimentStatus.Failed
                                       || e.Status == ExperimentStatus.Cancelled || e.Status == ExperimentStatus.Interrupted))
            .ExecuteDeleteAsync(ct);
        if (deleted == 0)
        {
            var now = await db.Experiments.AsNoTracking().Where(e => e.Id == id).Select(e => (ExperimentStatus?)e.Status).SingleOrDefaultAsync(ct);
            return now is { } status
                ? new(ControlOutcome.Conflict, $"experiment {id} is {Words.Of(status)}: cancel it first, then delete it")
                : new(ControlOutcome.NotFound);
        }
        broadcaster.Publish(id, new ExperimentDeleted(id));
        return new(ControlOutcome.Accepted, FilesKept: RemoveFolder(id, experiment.Folder));
    }

    /// <summary>Deletes the experiment's own folder under the runs folder; anything else (a CLI run's --out) is left alone and said so.</summary>
    string? RemoveFolder(int id, string folder)
    {
        if (string.IsNullOrWhiteSpace(folder)) return null; // stored before it got a folder: nothing on disk
        string own = options.Value.ExperimentFolder(id);
        string full = Path.GetFullPath(folder);
        if (!string.Equals(full.TrimEnd(Path.DirectorySeparatorChar), own, StringComparison.Ordinal))
            return Directory.Exists(full) ? $"{full} was kept: it is not this app's folder for the experiment ({own})" : null;
        try
        {
            if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{full} could not be removed ({e.Message}); delete it by hand";
        }
    }
}
