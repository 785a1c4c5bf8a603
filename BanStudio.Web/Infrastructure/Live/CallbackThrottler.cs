namespace BanStudio.Web.Infrastructure.Live;

/// <summary>
/// Runs a callback at most once per <c>minInterval</c>, however often it is signalled (the .NET Aspire
/// dashboard's pattern for its pages). The first signal after a quiet spell runs at once; signals that come
/// while one is pending collapse into it, and a signal during a run schedules one more run after the
/// interval, so the last state is always shown. Runs never overlap. Disposing stops every later run.
/// </summary>
/// <remarks>
/// The callback reads the latest state itself (it is not handed the signals): that is what lets a burst
/// of a hundred events cost one render.
/// </remarks>
public sealed class CallbackThrottler : IDisposable
{
    readonly TimeProvider _clock;
    readonly TimeSpan _minInterval;
    readonly Func<Task> _callback;
    readonly Action<Exception>? _onError;
    readonly ITimer _timer;
    readonly SemaphoreSlim _running = new(1, 1);
    readonly Lock _gate = new();
    long? _lastStart;
    bool _pending;
    bool _disposed;

    public CallbackThrottler(TimeProvider clock, TimeSpan minInterval, Func<Task> callback, Action<Exception>? onError = null)
    {
        _clock = clock;
        _minInterval = minInterval;
        _callback = callback;
        _onError = onError;
        _timer = clock.CreateTimer(_ => _ = RunAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Asks for a run; cheap and safe from any thread (a training thread calls it per event).</summary>
    public void Signal()
    {
        lock (_gate)
        {
            if (_disposed || _pending) return;
            _pending = true;
            var wait = _lastStart is { } last ? _minInterval - _clock.GetElapsedTime(last) : TimeSpan.Zero;
            _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    async Task RunAsync()
    {
        await _running.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                if (_disposed) return;
                // Cleared before the callback runs: a signal that arrives during it schedules the next run.
                _pending = false;
                _lastStart = _clock.GetTimestamp();
            }
            await _callback().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _onError?.Invoke(e);
        }
        finally
        {
            _running.Release();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _timer.Dispose();
    }
}
