using System.Threading.Channels;
using BanStudio.Training.Experiments;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.AspNetCore.SignalR;

namespace BanStudio.Web.Infrastructure.Live;

/// <summary>
/// The one place a training's events go out: to in-process subscribers (the pages) and to the SignalR
/// group of the experiment. Hub sends are queued and made one at a time by this service, so a training
/// thread never waits on a slow client and every client sees the events in the order they happened.
/// </summary>
public sealed class TrainingBroadcaster(
    IHubContext<TrainingHub, ITrainingClient> hub, TimeProvider clock, ILogger<TrainingBroadcaster> log) : BackgroundService
{
    public const int BatchProgressPerSecond = 4;

    readonly Channel<(int ExperimentId, ExperimentEvent Event)> _outbox =
        Channel.CreateUnbounded<(int, ExperimentEvent)>(new UnboundedChannelOptions { SingleReader = true });
    readonly Lock _gate = new();
    readonly Dictionary<int, List<Action<ExperimentEvent>>> _subscribers = new();
    readonly List<Action<int, ExperimentEvent>> _everything = [];
    readonly Dictionary<int, long> _lastBatchProgress = new();

    /// <summary>
    /// Every event of one experiment, called on the training thread: a page must hand the work to its own
    /// dispatcher (and throttle its redraws) rather than block here.
    /// </summary>
    public IDisposable Subscribe(int experimentId, Action<ExperimentEvent> handler)
    {
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(experimentId, out var list)) _subscribers[experimentId] = list = [];
            list.Add(handler);
        }
        return new Subscription(() => Unsubscribe(experimentId, handler));
    }

    /// <summary>
    /// Every event of every experiment (for pages that list them), called on the publishing thread like
    /// <see cref="Subscribe"/>'s handlers; <see cref="ExperimentQueued"/> tells it a new one exists.
    /// </summary>
    public IDisposable SubscribeAll(Action<int, ExperimentEvent> handler)
    {
        lock (_gate) _everything.Add(handler);
        return new Subscription(() => { lock (_gate) _everything.Remove(handler); });
    }

    public void Publish(int experimentId, ExperimentEvent e)
    {
        if (e is StepBatchProgress && !BatchProgressDue(experimentId)) return;
        if (e is ExperimentEnded) lock (_gate) _lastBatchProgress.Remove(experimentId);
        Action<ExperimentEvent>[] handlers;
        Action<int, ExperimentEvent>[] everything;
        lock (_gate)
        {
            handlers = _subscribers.TryGetValue(experimentId, out var list) ? [.. list] : [];
            everything = [.. _everything];
        }
        foreach (var handler in handlers) Guarded(experimentId, e, () => handler(e));
        foreach (var handler in everything) Guarded(experimentId, e, () => handler(experimentId, e));
        _outbox.Writer.TryWrite((experimentId, e));
    }

    void Guarded(int experimentId, ExperimentEvent e, Action call)
    {
        try { call(); }
        catch (Exception ex) { log.LogError(ex, "A subscriber of experiment {Id} failed on {Event}", experimentId, e.GetType().Name); }
    }

    bool BatchProgressDue(int experimentId)
    {
        long now = clock.GetTimestamp();
        lock (_gate)
        {
            if (_lastBatchProgress.TryGetValue(experimentId, out long last) &&
                clock.GetElapsedTime(last, now) < TimeSpan.FromSeconds(1.0 / BatchProgressPerSecond))
                return false;
            _lastBatchProgress[experimentId] = now;
            return true;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Drains until StopAsync completes the outbox, so the last "ExperimentCompleted" of a shutdown still goes out.
        await foreach (var (id, e) in _outbox.Reader.ReadAllAsync(CancellationToken.None))
        {
            try { await Send(hub.Clients.Group(TrainingHub.Group(id)), id, e); }
            catch (Exception ex) { log.LogWarning(ex, "Could not send {Event} of experiment {Id}", e.GetType().Name, id); }
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _outbox.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    static Task Send(ITrainingClient group, int id, ExperimentEvent e) => e switch
    {
        StepEpochCompleted m => group.EpochCompleted(new(id, m.Step.Key, m.Step.Column, m.Step.Generation, m.Metrics.Epoch,
            m.Metrics.TrainLoss, m.Metrics.TrainError, m.Metrics.TestLoss, m.Metrics.TestError, m.Metrics.LearningRate, m.Metrics.Seconds,
            m.Metrics.ValidLoss)),
        StepBatchProgress p => group.BatchProgress(new(id, p.Step.Key, p.Progress.Epoch, p.Progress.Batch, p.Progress.Batches, p.Progress.RunningLoss)),
        StepStarted s => group.RunStatusChanged(new(id, s.Step.Key, s.Step.Column, Words.Of(RunStatus.Running), null, null)),
        StepFinished f => group.RunStatusChanged(new(id, f.Step.Key, f.Step.Column, f.Result.Status.ToString().ToLowerInvariant(),
            f.Result.FinalTestError, f.Result.Reason)),
        ExperimentEnded end => group.ExperimentCompleted(new(id, Words.Of(end.Status), end.Reason)),
        _ => Task.CompletedTask, // logs and the runner's own ExperimentFinished are for in-process subscribers only
    };

    void Unsubscribe(int experimentId, Action<ExperimentEvent> handler)
    {
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(experimentId, out var list)) return;
            list.Remove(handler);
            if (list.Count == 0) _subscribers.Remove(experimentId);
        }
    }

    sealed class Subscription(Action unsubscribe) : IDisposable
    {
        int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) unsubscribe();
        }
    }
}
