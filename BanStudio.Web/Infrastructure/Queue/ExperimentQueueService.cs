using Microsoft.Extensions.Options;

namespace BanStudio.Web.Infrastructure.Queue;

/// <summary>
/// Trains queued experiments in submission order, <see cref="StudioOptions.MaxConcurrentExperiments"/> at
/// a time (one by default), each through the <see cref="ExperimentExecutor"/> the CLI uses too. An
/// experiment's token is its own cancel linked with the host's stopping token: a user's cancel ends it
/// "cancelled", a shutdown "interrupted"; either way what finished stays, and a resume (queueing it
/// again) reuses it.
/// </summary>
public sealed class ExperimentQueueService(
    ExperimentQueue queue,
    ExperimentExecutor executor,
    IOptions<StudioOptions> options,
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
        try { await executor.RunAsync(id, cts.Token, stopping); }
        finally { queue.Untrack(id, cts); }
    }
}
