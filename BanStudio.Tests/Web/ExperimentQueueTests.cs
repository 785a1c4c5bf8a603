using BanStudio.Web;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace BanStudio.Tests.Web;

/// <summary>The queue's hand-over between workers, on the app's own queue from an app that is built but never started.</summary>
public sealed class ExperimentQueueTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_resume_read_while_another_worker_still_holds_the_experiment_is_looked_at_again_once_it_lets_go()
    {
        using var app = WebApp.Build([]);
        var queue = app.Services.GetRequiredService<ExperimentQueue>();

        // Worker 1 trains experiment 5; it has written its final status but not yet let go when a resume queues 5 again
        // and worker 2 reads it.
        var first = queue.TryTrack(5, CancellationToken.None);
        Assert.NotNull(first);
        await queue.EnqueueAsync(5, CancellationToken.None);
        Assert.Equal(5, await queue.Reader.ReadAsync().AsTask().WaitAsync(Patience));
        Assert.Null(queue.TryTrack(5, CancellationToken.None)); // worker 2 may not start a second copy
        Assert.False(queue.Reader.TryRead(out _));               // nor is it requeued while worker 1 holds it

        queue.Untrack(5, first);
        Assert.Equal(5, await queue.Reader.ReadAsync().AsTask().WaitAsync(Patience)); // back in the channel
        var second = queue.TryTrack(5, CancellationToken.None);
        Assert.NotNull(second); // and now a worker can take it
        queue.Untrack(5, second);
    }

    [Fact]
    public async Task An_aborted_request_does_not_leave_a_queued_experiment_out_of_the_channel()
    {
        using var app = WebApp.Build([]);
        var queue = app.Services.GetRequiredService<ExperimentQueue>();
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();
        await queue.EnqueueAsync(9, aborted.Token); // room in the channel: written whatever the request's token says
        Assert.Equal(9, await queue.Reader.ReadAsync().AsTask().WaitAsync(Patience));
    }

    [Fact]
    public void Cancelling_reaches_the_tracked_token_and_nothing_once_let_go()
    {
        using var app = WebApp.Build([]);
        var queue = app.Services.GetRequiredService<ExperimentQueue>();
        var cts = queue.TryTrack(3, CancellationToken.None)!;
        var token = cts.Token;
        Assert.True(queue.CancelRunning(3));
        Assert.True(token.IsCancellationRequested);
        queue.Untrack(3, cts);
        Assert.False(queue.CancelRunning(3));
        Assert.False(queue.IsRunningHere(3));
    }
}
