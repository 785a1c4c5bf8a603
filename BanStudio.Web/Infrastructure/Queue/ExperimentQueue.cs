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
    readonly ConcurrentDictionary<int, CancellationTokenSource> _running = new();

    public ChannelReader<int> Reader => _channel.Reader;

    public async ValueTask EnqueueAsync(int experimentId, CancellationToken ct)
    {
        await _channel.Writer.WriteAsync(experimentId, ct);
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

    /// <summary>
    /// Registers a starting experiment; its token ends when it is cancelled or the host stops. Null when
    /// this id is already training (a second copy of it read by another worker), which must not replace the handle.
    /// </summary>
    internal CancellationTokenSource? TryTrack(int experimentId, CancellationToken stopping)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        if (_running.TryAdd(experimentId, cts)) return cts;
        cts.Dispose();
        return null;
    }

    internal void Untrack(int experimentId, CancellationTokenSource cts)
    {
        if (_running.TryRemove(new KeyValuePair<int, CancellationTokenSource>(experimentId, cts))) cts.Dispose();
    }

    /// <summary>Signals a training experiment to stop; false when none with this id is training here.</summary>
    public bool CancelRunning(int experimentId)
    {
        if (!_running.TryGetValue(experimentId, out var cts)) return false;
        try { cts.Cancel(); }
        catch (ObjectDisposedException) { return false; } // finished in between
        return true;
    }
}
