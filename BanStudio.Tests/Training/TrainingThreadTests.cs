using BanStudio.Training.Training;

namespace BanStudio.Tests.Training;

/// <summary>
/// Where trainings run: on the thread a host lends (Program.Main's), one at a time, else on a thread of their own.
/// In the torch collection: while a test lends its thread, every training asked for anywhere in the process goes there.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TrainingThreadTests
{
    [Fact]
    public async Task Without_a_host_work_runs_on_a_thread_of_its_own()
    {
        Assert.False(TrainingThread.OnMainThread);
        int caller = Environment.CurrentManagedThreadId;
        int ran = await TrainingThread.Run(() => Environment.CurrentManagedThreadId);
        Assert.NotEqual(caller, ran);
    }

    [Fact]
    public void A_host_thread_runs_the_work_queued_from_other_threads_in_order_and_returns_the_apps_result()
    {
        int host = Environment.CurrentManagedThreadId;
        var order = new List<int>();
        int result = TrainingThread.HostOnThisThread(async () =>
        {
            await Task.Yield(); // off the host thread, as the app's request handlers and queue are
            Assert.NotEqual(host, Environment.CurrentManagedThreadId);
            Assert.True(TrainingThread.OnMainThread);
            var first = TrainingThread.Run(() => { Thread.Sleep(50); lock (order) order.Add(1); return Environment.CurrentManagedThreadId; });
            var second = TrainingThread.Run(() => { lock (order) order.Add(2); return Environment.CurrentManagedThreadId; });
            Assert.Equal([host, host], await Task.WhenAll(first, second));
            return 42;
        });
        Assert.Equal(42, result);
        Assert.Equal([1, 2], order); // one at a time, in the order asked
        Assert.False(TrainingThread.OnMainThread); // lent only while the app ran
    }

    [Fact]
    public void Work_asked_for_on_the_host_thread_itself_runs_there_at_once_instead_of_waiting_for_itself()
    {
        int host = Environment.CurrentManagedThreadId;
        // A verb whose start is synchronous (bench) asks on the host thread before the loop runs: waiting would deadlock.
        int ran = TrainingThread.HostOnThisThread(() => Task.FromResult(TrainingThread.Run(() => Environment.CurrentManagedThreadId).Result));
        Assert.Equal(host, ran);
    }

    [Fact]
    public async Task Failures_and_cancellations_reach_the_caller_and_the_host_goes_on()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        string outcome = TrainingThread.HostOnThisThread(async () =>
        {
            await Task.Yield();
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => TrainingThread.Run<int>(() => throw new InvalidOperationException("NaN loss")));
            Assert.Equal("NaN loss", failure.Message);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TrainingThread.Run(() => 1, cancelled.Token));
            return await TrainingThread.Run(() => "still here");
        });
        Assert.Equal("still here", outcome);
        // An app that fails ends the loan with its exception.
        var e = Assert.Throws<TimeoutException>(() => TrainingThread.HostOnThisThread<int>(async () => { await Task.Yield(); throw new TimeoutException("host died"); }));
        Assert.Equal("host died", e.Message);
        Assert.Equal(7, await TrainingThread.Run(() => 7));
    }

    [Fact]
    public async Task A_work_item_still_busy_after_the_app_ended_is_reported_once_the_grace_is_over_and_a_prompt_one_is_not()
    {
        using var release = new ManualResetEventSlim();
        Task<int>? reported = null;
        using var called = new ManualResetEventSlim();
        int result = TrainingThread.HostOnThisThread(async () =>
        {
            await Task.Yield();
            _ = TrainingThread.Run(() => { release.Wait(TimeSpan.FromSeconds(30)); return 0; }); // a training that does not stop
            return 130;
        }, stuck: ended => { reported = ended; called.Set(); release.Set(); }, grace: TimeSpan.FromMilliseconds(200));
        Assert.Equal(130, result);
        Assert.True(called.IsSet);
        Assert.Equal(130, await reported!);

        bool again = false;
        Assert.Equal(1, TrainingThread.HostOnThisThread(async () => { await Task.Yield(); return await TrainingThread.Run(() => 1); },
            stuck: _ => again = true, grace: TimeSpan.FromMilliseconds(100)));
        await Task.Delay(300);
        Assert.False(again);
    }
}
