using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Infrastructure.Queue;

public enum ControlOutcome { Accepted, NotFound, Conflict }

/// <summary>What cancel or resume did: <see cref="Status"/> is the experiment's status now ("cancelling" while a training winds down).</summary>
public sealed record ControlResult(ControlOutcome Outcome, string Status, string? Problem = null);

/// <summary>Cancel and resume, one code path for the HTTP API and the live page's buttons.</summary>
public sealed class ExperimentControl(
    IDbContextFactory<StudioDb> dbFactory, ExperimentQueue queue, ExperimentRecorder recorder, TrainingBroadcaster broadcaster, TimeProvider clock)
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
            recorder.RecordEnd(ended);
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
}
