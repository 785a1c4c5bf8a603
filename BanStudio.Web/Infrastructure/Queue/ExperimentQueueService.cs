using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BanStudio.Web.Infrastructure.Queue;

/// <summary>
/// Trains queued experiments in submission order, <see cref="StudioOptions.MaxConcurrentExperiments"/> at
/// a time (one by default), each with <see cref="ExperimentRunner"/> in its own folder. Every event is
/// stored, then broadcast. An experiment's token is its own cancel linked with the host's stopping token:
/// a user's cancel ends it "cancelled", a shutdown "interrupted"; either way what finished stays, and a
/// resume (queueing it again) reuses it.
/// </summary>
public sealed class ExperimentQueueService(
    ExperimentQueue queue,
    IDbContextFactory<StudioDb> dbFactory,
    ExperimentRecorder recorder,
    TrainingBroadcaster broadcaster,
    IOptions<StudioOptions> options,
    TimeProvider clock,
    ILogger<ExperimentQueueService> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.MaxConcurrentExperiments).Select(_ => Worker(stoppingToken)));

    async Task Worker(CancellationToken stopping)
    {
        try
        {
            await foreach (int id in queue.Reader.ReadAllAsync(stopping))
            {
                // One experiment's bookkeeping failing (a locked or full disk) must not stop the queue for the others.
                try { await RunOneAsync(id, stopping); }
                catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    log.LogError(e, "Experiment {Id} could not be run or recorded", id);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    async Task RunOneAsync(int id, CancellationToken stopping)
    {
        // Tracked before it is marked running, so a cancel that sees "running" always finds its token.
        var cts = queue.TryTrack(id, stopping);
        if (cts is null) return;
        try
        {
            var now = clock.GetUtcNow();
            await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
            {
                // Only a still-queued experiment starts: it may have been cancelled while waiting, or be a second copy of its id.
                int started = await db.Experiments.Where(e => e.Id == id && e.Status == ExperimentStatus.Queued)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExperimentStatus.Running).SetProperty(e => e.StartedAt, now)
                        .SetProperty(e => e.FinishedAt, (DateTimeOffset?)null).SetProperty(e => e.Reason, (string?)null), CancellationToken.None);
                if (started == 0) return;
            }
            var (status, reason) = await TrainAsync(id, cts.Token, stopping);
            await FinishAsync(id, status, reason);
        }
        finally
        {
            queue.Untrack(id, cts);
        }
    }

    async Task<(ExperimentStatus Status, string? Reason)> TrainAsync(int id, CancellationToken ct, CancellationToken stopping)
    {
        try
        {
            Experiment experiment;
            await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
                experiment = await db.Experiments.AsNoTracking().SingleAsync(e => e.Id == id, CancellationToken.None);
            var spec = SpecJson.Parse<ExperimentSpec>(experiment.SpecJson, "experiment spec");
            // Checked again at training time: the data roots may have been narrowed, or a link changed, since submission.
            var roots = options.Value.EffectiveDataRoots;
            SpecValidationException.ThrowIfAny(ExperimentValidation.Validate(spec, roots));
            var runner = new ExperimentRunner(spec, experiment.Folder);
            log.LogInformation("Experiment {Id} ({Name}): {Steps} steps in {Folder}", id, spec.Name, runner.Plan.Steps.Count, runner.Directory);
            // Reading CIFAR or Fashion-MNIST takes seconds; keep it off the worker's thread.
            using var data = await Task.Run(() => spec.Dataset.Load(new DatasetCatalog(roots, includeSystemFolders: false)), CancellationToken.None);
            runner.Event += e =>
            {
                try { recorder.Record(id, runner.Plan, runner.Directory, e); }
                catch (Exception ex) { log.LogError(ex, "Could not store {Event} of experiment {Id}", e.GetType().Name, id); }
                broadcaster.Publish(id, e);
            };
            var outcome = await runner.RunAsync(data, ct);
            return outcome.Status switch
            {
                TrainingStatus.Completed => (ExperimentStatus.Completed, null),
                TrainingStatus.Failed => (ExperimentStatus.Failed, outcome.Reason),
                _ => Stopped(stopping, outcome.Reason),
            };
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Stopped(stopping, "cancelled");
        }
        catch (DatasetFileException e)
        {
            return (ExperimentStatus.Failed, $"dataset problem: {e.Message}");
        }
        catch (SpecValidationException e)
        {
            // Valid when submitted, but e.g. its dataset folder has gone since.
            return (ExperimentStatus.Failed, "the spec is no longer valid: " + string.Join("; ", e.Errors));
        }
        catch (Exception e)
        {
            log.LogError(e, "Experiment {Id} failed", id);
            return (ExperimentStatus.Failed, $"{e.GetType().Name}: {e.Message}");
        }
    }

    static (ExperimentStatus, string?) Stopped(CancellationToken stopping, string? reason) => stopping.IsCancellationRequested
        ? (ExperimentStatus.Interrupted, StudioDatabase.InterruptedReason)
        : (ExperimentStatus.Cancelled, reason ?? "cancelled");

    async Task FinishAsync(int id, ExperimentStatus status, string? reason)
    {
        var now = clock.GetUtcNow();
        string name;
        // The host may be stopping: this bookkeeping must still land, so no token.
        await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
        {
            var experiment = await db.Experiments.SingleAsync(e => e.Id == id);
            experiment.Status = status;
            experiment.Reason = reason;
            experiment.FinishedAt = now;
            name = experiment.Name;
            var runStatus = status switch
            {
                ExperimentStatus.Interrupted => RunStatus.Interrupted,
                ExperimentStatus.Failed => RunStatus.Failed,
                _ => RunStatus.Cancelled,
            };
            // A step the runner did not get to close (an exception, a shutdown) ends with its experiment.
            foreach (var run in await db.Runs.Where(r => r.ExperimentId == id && (r.Status == RunStatus.Running ||
                         (status == ExperimentStatus.Interrupted && r.Status == RunStatus.Cancelled))).ToListAsync())
            {
                run.Status = runStatus;
                run.Reason = status == ExperimentStatus.Interrupted ? StudioDatabase.InterruptedReason : run.Reason ?? reason;
            }
            await db.SaveChangesAsync();
        }
        log.LogInformation("Experiment {Id} {Status}{Reason}", id, Words.Of(status), reason is null ? "" : ": " + reason);
        broadcaster.Publish(id, new ExperimentEnded(name, id, status, reason));
    }
}
