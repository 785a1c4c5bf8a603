using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Infrastructure.Live;

namespace BanStudio.Tests.Web.Live;

/// <summary>The progress and ETA the pages show, from a real plan: teacher, BAN-1, BAN-2 and Ens*2, 4 epochs each.</summary>
public sealed class LiveProgressTests
{
    readonly ExperimentPlan _plan = ExperimentPlan.Create(SpecJson.Parse<ExperimentSpec>(StudioHost.TinySpec("eta", generations: 2, epochs: 4), "spec"));

    PlanStep Step(int i) => _plan.Steps[i];

    [Fact]
    public void The_eta_applies_the_last_batch_rate_to_the_rest_of_this_model_and_every_training_not_done()
    {
        var progress = new LiveProgress(_plan, ["seed-1/teacher"]);
        progress.Apply(new StepStarted("eta", Step(1), 1, 4));
        Assert.Null(progress.Snapshot().ModelEta);

        // Epoch 2 of 4, batch 2 of 6, 100 images a second at batch 50: 0.5 s a batch.
        progress.Apply(new StepBatchProgress("eta", Step(1), new BatchProgress(2, 2, 6, 2.0, 100)));
        var p = progress.Snapshot();
        Assert.Equal((1, 4, "seed-1/ban-1", 1, 2, 6), (p.DoneSteps, p.TotalSteps, p.CurrentKey, p.EpochsDone, p.Batch, p.Batches));
        Assert.Equal(TimeSpan.FromSeconds((4 + 2 * 6) * 0.5), p.ModelEta);              // 8 s
        Assert.Equal(TimeSpan.FromSeconds((4 + 2 * 6 + 4 * 6) * 0.5), p.PlanEta);       // + BAN-2's 4 epochs; the ensemble is free
        Assert.Equal("20 s", ProgressSnapshot.Format(p.PlanEta));
    }

    [Fact]
    public void Without_batch_reports_the_last_epochs_duration_stands_in_and_a_finished_step_counts_as_done()
    {
        var progress = new LiveProgress(_plan, []);
        progress.Apply(new StepStarted("eta", Step(0), 0, 4));
        progress.Apply(new StepEpochCompleted("eta", Step(0), new EpochMetrics(1, 2, 0.9, 2, 0.9, null, 0.05, 10, 30)));
        var p = progress.Snapshot();
        Assert.Equal(TimeSpan.FromSeconds(3 * 10), p.ModelEta);
        Assert.Equal(TimeSpan.FromSeconds(3 * 10 + 2 * 4 * 10), p.PlanEta);

        var result = new ModelResult { Key = "seed-1/teacher", Column = "Teacher", Seed = 1, Generation = 0, Model = "WRN-10-1", Objective = "label", Status = TrainingStatus.Completed };
        progress.Apply(new StepFinished("eta", Step(0), result, Reused: false));
        p = progress.Snapshot();
        Assert.Equal((1, (string?)null, (TimeSpan?)null), (p.DoneSteps, p.CurrentKey, p.ModelEta));
    }
}
