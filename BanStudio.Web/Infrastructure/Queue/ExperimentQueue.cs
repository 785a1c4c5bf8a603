using System.Collections.Concurrent;
using System.Threading.Channels;
using BanStudio.Web.Infrastructure.Live;

namespace BanStudio.Web.Infrastructure.Queue;

/// <summary>
/// Experiment ids waiting to train, in submission order, and the cancel handle of each one training.
/// The database is the truth about an experiment's status; the channel only says what to look at next,
/// so an id queued twice (cancelled, then resumed before it was read) trains once. Whatever queues an
/// experiment (the API, a page, the start-up recovery) comes through here, so here the pages are told.
/// </summary>
public sealed class ExperimentQueue(TrainingBroadcaster broadcaster)
{
    /// <summary>Far more than anyone queues by hand; bounded so a runaway client cannot grow memory without end.</summary>
    public const int Capacity = 1000;

    readonly Channel<int> _channel = Channel.CreateBounded<int>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleWriter = false,
    });
    readonly ConcurrentDictionary<int, Tracked> _running = new();

    sealed class Tracked(CancellationTokenSource cancel)
    {
        public CancellationTokenSource Cancel { get; } = cancel;
        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public ChannelReader<int> Reader => _channel.Reader;

    /// <summary>
    /// Queues an experiment the database already says is queued. Waits for room when the channel is full; the caller's
    /// token only stops that wait: an id the database holds as queued is never left out of the channel by an aborted
    /// request (it would sit "queued" until the next start otherwise).
    /// </summary>
    public async ValueTask EnqueueAsync(int experimentId, CancellationToken ct)
    {
        if (!_channel.Writer.TryWrite(experimentId))
            await _channel.Writer.WriteAsync(experimentId, CancellationToken.None).AsTask().WaitAsync(ct);
        broadcaster.Publish(experimentId, new ExperimentQueued(experimentId));
    }

    public bool TryEnqueue(int experimentId)
    {
        if (!_channel.Writer.TryWrite(experimentId)) return false;
        broadcaster.Publish(experimentId, new ExperimentQueued(experimentId));
        return true;
    }

    /// <summary>Whether this process trains the experiment now (the CLI's <c>run</c> trains in its own).</summary>
    public bool IsRunningHere(int experimentId) => _running.ContainsKey(experimentId);

    /// <summary>The experiments this process is training now (ids in no particular order).</summary>
    public IReadOnlyCollection<int> RunningHere => _running.Keys.ToList();

    /// <summary>
    /// Registers a starting experiment; its token ends when it is cancelled or the host stops. Null when
    /// this id is already training (a second copy of it read by another worker), which must not replace the handle.
    /// </summary>
    public CancellationTokenSource? TryTrack(int experimentId, CancellationToken stopping)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        if (_running.TryAdd(experimentId, new Tracked(cts))) return cts;
        cts.Dispose();
        // Another worker still holds it. Either a second copy of an id that trains now, or a resume that came between
        // that worker's final status and its letting go (possible with MaxConcurrentExperiments > 1): look at it again
        // once that worker lets go, so the resumed experiment is not left queued; the executor trains it only if the
        // database still says queued.
        if (_running.TryGetValue(experimentId, out var holder))
            _ = holder.Released.Task.ContinueWith(_ => _channel.Writer.TryWrite(experimentId), TaskScheduler.Default);
        else
            _channel.Writer.TryWrite(experimentId); // let go in between
        return null;
    }

    /// <summary>Lets go of an experiment <see cref="TryTrack"/> gave this handle for; anything requeued meanwhile is read again.</summary>
    public void Untrack(int experimentId, CancellationTokenSource cts)
    {
        if (_running.TryGetValue(experimentId, out var tracked) && tracked.Cancel == cts
            && _running.TryRemove(new KeyValuePair<int, Tracked>(experimentId, tracked)))
        {
            cts.Dispose();
            tracked.Released.TrySetResult();
        }
    }

    /// <summary>Signals a training experiment to stop; false when none with this id is training here.</summary>
    public bool CancelRunning(int experimentId)
    {
        if (!_running.TryGetValue(experimentId, out var tracked)) return false;
        try { tracked.Cancel.Cancel(); }
        catch (ObjectDisposedException) { return false; } // finished in between
        return true;
    }
}
