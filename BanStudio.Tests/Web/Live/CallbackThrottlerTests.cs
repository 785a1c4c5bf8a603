using BanStudio.Web.Infrastructure.Live;
using Microsoft.Extensions.Time.Testing;

namespace BanStudio.Tests.Web.Live;

/// <summary>The pages' throttler, on a fake clock: which callbacks run is decided by time alone, not by how fast this machine is.</summary>
public sealed class CallbackThrottlerTests
{
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    readonly FakeTimeProvider _clock = new();
    readonly List<int> _seen = [];
    int _value;

    CallbackThrottler Create() => new(_clock, Interval, () =>
    {
        lock (_seen) _seen.Add(Volatile.Read(ref _value));
        return Task.CompletedTask;
    });

    void Set(int value) => Volatile.Write(ref _value, value);

    [Fact]
    public void A_burst_runs_the_callback_once_at_once_and_once_more_after_the_interval_with_the_last_value()
    {
        using var throttler = Create();
        Set(1);
        throttler.Signal(); // quiet before: runs now
        for (int v = 2; v <= 100; v++)
        {
            Set(v);
            throttler.Signal();
        }
        Assert.Equal([1], _seen);

        _clock.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal([1], _seen);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([1, 100], _seen);

        // Nothing signalled since: time passing runs nothing more.
        _clock.Advance(Interval * 10);
        Assert.Equal([1, 100], _seen);
    }

    [Fact]
    public void A_signal_after_a_quiet_spell_runs_at_once_and_one_within_the_interval_waits_for_it()
    {
        using var throttler = Create();
        Set(1);
        throttler.Signal();
        _clock.Advance(Interval * 3);
        Set(2);
        throttler.Signal();
        Assert.Equal([1, 2], _seen);

        _clock.Advance(Interval / 2);
        Set(3);
        throttler.Signal();
        Assert.Equal([1, 2], _seen);
        _clock.Advance(Interval / 2);
        Assert.Equal([1, 2, 3], _seen);
    }

    [Fact]
    public void Disposing_stops_a_pending_callback_and_every_later_signal()
    {
        var throttler = Create();
        Set(1);
        throttler.Signal();
        Set(2);
        throttler.Signal(); // pending for the end of the interval
        throttler.Dispose();
        _clock.Advance(Interval * 2);
        Set(3);
        throttler.Signal();
        _clock.Advance(Interval * 2);
        Assert.Equal([1], _seen);
    }

    [Fact]
    public async Task A_signal_while_the_callback_runs_schedules_one_more_run_and_runs_never_overlap()
    {
        var release = new TaskCompletionSource();
        int running = 0, overlaps = 0, runs = 0;
        using var throttler = new CallbackThrottler(_clock, Interval, async () =>
        {
            if (Interlocked.Increment(ref running) > 1) Interlocked.Increment(ref overlaps);
            Interlocked.Increment(ref runs);
            if (Volatile.Read(ref runs) == 1) await release.Task;
            Interlocked.Decrement(ref running);
        });
        throttler.Signal();            // run 1 starts and blocks
        throttler.Signal();            // arrives during run 1
        _clock.Advance(Interval);      // run 2 is due while run 1 still holds on
        Assert.Equal(1, Volatile.Read(ref runs));
        release.SetResult();
        await WaitUntil(() => Volatile.Read(ref runs) == 2);
        Assert.Equal(0, overlaps);
    }

    static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
