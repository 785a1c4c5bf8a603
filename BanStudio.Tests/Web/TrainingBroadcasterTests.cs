using BanStudio.Training.Experiments;
using BanStudio.Training.Objectives;
using BanStudio.Training.Training;
using BanStudio.Web;
using BanStudio.Web.Infrastructure.Live;
using Microsoft.Extensions.DependencyInjection;

namespace BanStudio.Tests.Web;

/// <summary>The broadcaster's in-process side, with the clock as the one stand-in.</summary>
public sealed class TrainingBroadcasterTests
{
    sealed class ManualClock : TimeProvider
    {
        long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    static readonly PlanStep Teacher = new("seed-1/teacher", StepKind.Train, "Teacher", 1, 1000, 0, null, ObjectiveKind.Label, null, []);

    static StepBatchProgress Batch(int batch) => new("x", Teacher, new BatchProgress(1, batch, 100, 2.3, 500));

    /// <summary>The app's own broadcaster (with its hub context), from an app that is built but never started.</summary>
    static (IDisposable App, TrainingBroadcaster, ManualClock) Create()
    {
        var clock = new ManualClock();
        var app = WebApp.Build([], b => b.Services.AddSingleton<TimeProvider>(clock));
        return (app, app.Services.GetRequiredService<TrainingBroadcaster>(), clock);
    }

    [Fact]
    public void Batch_progress_is_throttled_to_four_a_second_per_experiment_and_epochs_never_are()
    {
        var (app, broadcaster, clock) = Create();
        using var built = app;
        var seen = new List<ExperimentEvent>();
        var other = new List<ExperimentEvent>();
        using var subscription = broadcaster.Subscribe(7, seen.Add);
        using var otherSubscription = broadcaster.Subscribe(8, other.Add);

        for (int b = 0; b < 10; b++) broadcaster.Publish(7, Batch(b));
        broadcaster.Publish(8, Batch(0)); // another experiment has its own budget
        clock.Advance(TimeSpan.FromMilliseconds(240));
        broadcaster.Publish(7, Batch(10));
        clock.Advance(TimeSpan.FromMilliseconds(10));
        broadcaster.Publish(7, Batch(11));
        var epoch = new EpochMetrics(1, 2, 0.9, 2, 0.9, null, 0.1, 1, 500);
        broadcaster.Publish(7, new StepEpochCompleted("x", Teacher, epoch));
        broadcaster.Publish(7, new StepEpochCompleted("x", Teacher, epoch with { Epoch = 2 }));

        Assert.Equal([0, 11], seen.OfType<StepBatchProgress>().Select(p => p.Progress.Batch));
        Assert.Equal([1, 2], seen.OfType<StepEpochCompleted>().Select(e => e.Metrics.Epoch));
        Assert.Single(other);
    }

    [Fact]
    public void A_disposed_subscription_receives_nothing_more()
    {
        var (app, broadcaster, _) = Create();
        using var built = app;
        var seen = new List<ExperimentEvent>();
        var subscription = broadcaster.Subscribe(3, seen.Add);
        broadcaster.Publish(3, new ExperimentLog("x", "one"));
        subscription.Dispose();
        broadcaster.Publish(3, new ExperimentLog("x", "two"));
        Assert.Equal(["one"], seen.OfType<ExperimentLog>().Select(l => l.Message));
    }
}
