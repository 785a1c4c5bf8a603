using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Language;
using BanStudio.Training.Training;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BanStudio.Web.Infrastructure.Queue;

/// <summary>How a training in the database ended; <see cref="DatasetProblem"/> lets the CLI answer with its own exit code.</summary>
public sealed record ExperimentExecution(ExperimentEnded Ended, bool DatasetProblem);

/// <summary>
/// The one way an experiment stored in the database is trained, shared by the hosted queue and the CLI's
/// <c>run</c> verb: queued -> running, the plan run with <see cref="ExperimentRunner"/> in its folder, every
/// event stored (runs, epochs, log entries) and then broadcast, and the end stored with its reason. So a
/// headless run and a browser one leave the same rows. The broadcaster is absent in the CLI, where no page listens.
/// </summary>
public sealed class ExperimentExecutor(
    IDbContextFactory<StudioDb> dbFactory,
    ExperimentRecorder recorder,
    IOptions<StudioOptions> options,
    TimeProvider clock,
    ILogger<ExperimentExecutor> log,
    TrainingBroadcaster? broadcaster = null)
{
    /// <summary>Stores a validated spec as a queued experiment; its folder is <paramref name="folder"/> or RunsDirectory/experiment-{id}.</summary>
    public Task<Experiment> CreateAsync(ExperimentSpec spec, string? folder, CancellationToken ct) =>
        StoreAsync(dbFactory, spec, id => folder ?? options.Value.ExperimentFolder(id), clock.GetUtcNow(), ct);

    /// <summary>The one way an experiment row is made, for the API and the wizard (ExperimentSubmitter) and the CLI.</summary>
    public static async Task<Experiment> StoreAsync(IDbContextFactory<StudioDb> dbFactory, ExperimentSpec spec,
        Func<int, string> folder, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = new Experiment
        {
            Name = spec.Name,
            SpecJson = SpecJson.Write(spec),
            Status = ExperimentStatus.Queued,
            TotalSteps = ExperimentPlan.Create(spec).Steps.Count,
            CreatedAt = now,
        };
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync(ct);
        // The default folder is named after the id, known only once the row is stored. The row exists now: a request
        // aborted at this point must not leave it queued without a folder, so this write is not cancelled.
        experiment.Folder = folder(experiment.Id);
        await db.SaveChangesAsync(CancellationToken.None);
        return experiment;
    }

    /// <summary>
    /// Trains experiment <paramref name="id"/> if it is still queued (null when it is not: cancelled while
    /// waiting, or a second copy of its id). <paramref name="ct"/> is its own cancel linked with
    /// <paramref name="stopping"/>: a cancel ends it "cancelled", a stopping host "interrupted".
    /// <paramref name="observer"/> sees every event after it is stored (the CLI prints them).
    /// </summary>
    public async Task<ExperimentExecution?> RunAsync(int id, CancellationToken ct, CancellationToken stopping,
        Action<ExperimentPlan, ExperimentEvent>? observer = null)
    {
        var now = clock.GetUtcNow();
        await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
        {
            // Only a still-queued experiment starts: it may have been cancelled while waiting, or be a second copy of its id.
            int started = await db.Experiments.Where(e => e.Id == id && e.Status == ExperimentStatus.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExperimentStatus.Running).SetProperty(e => e.StartedAt, now)
                    .SetProperty(e => e.FinishedAt, (DateTimeOffset?)null).SetProperty(e => e.Reason, (string?)null)
                    .SetProperty(e => e.Owner, ProcessOwner.Current), CancellationToken.None);
            if (started == 0) return null;
        }
        var (status, reason, datasetProblem) = await TrainAsync(id, ct, stopping, observer);
        return new ExperimentExecution(await FinishAsync(id, status, reason), datasetProblem);
    }

    async Task<(ExperimentStatus Status, string? Reason, bool DatasetProblem)> TrainAsync(
        int id, CancellationToken ct, CancellationToken stopping, Action<ExperimentPlan, ExperimentEvent>? observer)
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
            void Handle(ExperimentEvent e)
            {
                try { recorder.Record(id, runner.Plan, runner.Directory, e); }
                catch (Exception ex) { log.LogError(ex, "Could not store {Event} of experiment {Id}", e.GetType().Name, id); }
                broadcaster?.Publish(id, e);
                observer?.Invoke(runner.Plan, e);
            }
            if (spec.Dataset.IsText)
            {
                // A language-model experiment (PTB, Table 6): the corpus instead of images, the sequence trainer.
                var corpus = await Task.Run(() => TorchThreads.Serially(() => TextDatasets.Load(spec.Dataset)), CancellationToken.None);
                Handle(new ExperimentLog(spec.Name, $"{runner.Plan.Steps.Count} steps on {corpus.Describe()}" +
                                                    $"{(corpus.Location is null ? "" : $" (from {corpus.Location})")}, " +
                                                    $"{DeviceChoice.Describe(DeviceChoice.Resolve(spec.Device))}; folder {runner.Directory}"));
                runner.Event += Handle;
                return Ended(await runner.RunAsync(corpus, ct));
            }
            // Reading CIFAR or Fashion-MNIST takes seconds; keep it off the caller's thread.
            using var data = await Task.Run(() => TorchThreads.Serially(() => spec.Dataset.Load(new DatasetCatalog(roots, includeSystemFolders: false))), CancellationToken.None);
            Handle(new ExperimentLog(spec.Name, $"{runner.Plan.Steps.Count} steps on {data.Name} [{data.Train.Count} train / {data.Test.Count} test], " +
                                                $"{DeviceChoice.Describe(DeviceChoice.Resolve(spec.Device))}; folder {runner.Directory}"));
            runner.Event += Handle;
            return Ended(await runner.RunAsync(data, ct));

            (ExperimentStatus, string?, bool) Ended(ExperimentOutcome outcome) => outcome.Status switch
            {
                TrainingStatus.Completed => (ExperimentStatus.Completed, null, false),
                TrainingStatus.Failed => (ExperimentStatus.Failed, outcome.Reason, false),
                _ => Stopped(stopping, outcome.Reason),
            };
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Stopped(stopping, "cancelled");
        }
        catch (DatasetFileException e)
        {
            return (ExperimentStatus.Failed, $"dataset problem: {e.Message}", true);
        }
        catch (SpecValidationException e)
        {
            // Valid when submitted, but e.g. its dataset folder has gone since.
            return (ExperimentStatus.Failed, "the spec is no longer valid: " + string.Join("; ", e.Errors), false);
        }
        catch (Exception e)
        {
            log.LogError(e, "Experiment {Id} failed", id);
            return (ExperimentStatus.Failed, $"{e.GetType().Name}: {e.Message}", false);
        }
    }

    static (ExperimentStatus, string?, bool) Stopped(CancellationToken stopping, string? reason) => stopping.IsCancellationRequested
        ? (ExperimentStatus.Interrupted, StudioDatabase.InterruptedReason, false)
        : (ExperimentStatus.Cancelled, reason ?? "cancelled", false);

    /// <summary>Waits between tries of the final status write: a locked or briefly failing database gets about half a minute.</summary>
    internal static readonly TimeSpan[] FinishRetryDelays = [TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15)];

    async Task<ExperimentEnded> FinishAsync(int id, ExperimentStatus status, string? reason)
    {
        var now = clock.GetUtcNow();
        string? name = null;
        // The final status is what Resume, Delete and the pages go by: a write that fails (the database locked by
        // another process, a full disk) is tried again rather than leaving the experiment "running" with this
        // process as its owner until the next start.
        for (int attempt = 0; name is null; attempt++)
        {
            try { name = await StoreEndAsync(id, status, reason, now); }
            catch (Exception e) when (attempt < FinishRetryDelays.Length)
            {
                log.LogWarning(e, "Could not store the end of experiment {Id} ({Status}); trying again in {Delay}", id, Words.Of(status), FinishRetryDelays[attempt]);
                await Task.Delay(FinishRetryDelays[attempt]);
            }
        }
        log.LogInformation("Experiment {Id} {Status}{Reason}", id, Words.Of(status), reason is null ? "" : ": " + reason);
        var ended = new ExperimentEnded(name, id, status, reason);
        try { recorder.RecordEnd(ended); }
        catch (Exception ex) { log.LogError(ex, "Could not store the end of experiment {Id}", id); }
        broadcaster?.Publish(id, ended);
        return ended;
    }

    /// <summary>One try of the final write: the experiment's status, reason and finish time, and its runs left open.</summary>
    async Task<string> StoreEndAsync(int id, ExperimentStatus status, string? reason, DateTimeOffset now)
    {
        // The host may be stopping: this bookkeeping must still land, so no token.
        await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
        {
            var experiment = await db.Experiments.SingleAsync(e => e.Id == id);
            experiment.Status = status;
            experiment.Reason = reason;
            experiment.FinishedAt = now;
            experiment.Owner = null;
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
            return experiment.Name;
        }
    }
}
