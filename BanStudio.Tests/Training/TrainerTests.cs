using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Training.Objectives;
using BanStudio.Training.Training;
using static TorchSharp.torch;

namespace BanStudio.Tests.Training;

/// <summary>Real TorchSharp training of tiny models on the built-in dataset.</summary>
[Collection(TorchCollection.Name)]
public sealed class TrainerTests() : BuiltinDataTests(0, 3000, 500, "ban-trainer-")
{
    static readonly WideResNetSpec Tiny = new(10, 1, DropRate: 0);

    TrainerOptions Options(BanModel model, int epochs, string? checkpoints = null, IDistillationObjective? objective = null,
        BanModel? teacher = null, double lr = 0.05, int prefetch = 2) => new()
    {
        Model = model, Data = _data, Seed = 7, CheckpointDirectory = checkpoints, Teacher = teacher, Prefetch = prefetch,
        Objective = objective ?? new Label(),
        Schedule = new TrainingSchedule { Epochs = epochs, BatchSize = 64, LearningRate = lr, Milestones = [0.75] },
    };

    [Fact]
    public void A_tiny_wide_resnet_learns_the_builtin_dataset_well_below_chance()
    {
        using var model = Tiny.Build(_data.Shape, seed: 1);
        var result = new Trainer(Options(model, epochs: 4)).Run();
        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal(4, result.History.Count);
        // chance is 90% error on 10 balanced classes
        Assert.True(result.FinalTestError < 0.7, $"final test error {result.FinalTestError:P1} is not well below chance (90%)");
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss, "train loss did not fall");
        Assert.Equal(result.History[^1].TestError, result.FinalTestError);
        Assert.All(result.History, m => Assert.InRange(m.TestError, 0, 1));
    }

    [Fact]
    public void Resuming_from_a_checkpoint_gives_the_same_weights_as_an_uninterrupted_run()
    {
        string straight = Path.Combine(_dir, "straight"), interrupted = Path.Combine(_dir, "interrupted");
        using var a = new WideResNetSpec(10, 1, DropRate: 0.3).Build(_data.Shape, seed: 3);
        manual_seed(11);
        var full = new Trainer(Options(a, 3, straight)).Run();

        using var b = new WideResNetSpec(10, 1, DropRate: 0.3).Build(_data.Shape, seed: 3);
        manual_seed(11);
        using var cts = new CancellationTokenSource();
        var first = new Trainer(Options(b, 3, interrupted));
        first.EpochCompleted += m => { if (m.Epoch == 2) cts.Cancel(); };
        var stopped = first.Run(cts.Token);
        Assert.Equal(TrainingStatus.Cancelled, stopped.Status);
        Assert.Equal(2, stopped.History.Count);

        // a new process would build a fresh model; the checkpoint restores weights, momentum and every generator
        manual_seed(999);
        using var c = new WideResNetSpec(10, 1, DropRate: 0.3).Build(_data.Shape, seed: 42);
        var resumedTrainer = new Trainer(Options(c, 3, interrupted));
        int resumedAfter = -1;
        resumedTrainer.Resumed += e => resumedAfter = e;
        var resumed = resumedTrainer.Run();
        Assert.Equal(2, resumedAfter);
        Assert.Equal(TrainingStatus.Completed, resumed.Status);
        Assert.Equal(full.History.Select(h => h.TestError), resumed.History.Select(h => h.TestError));
        ModuleAssert.SameParameters(a, c, "after resume");
    }

    [Fact]
    public void Same_seed_same_device_gives_the_same_result_and_another_seed_another()
    {
        double Run(long seed)
        {
            using var m = Tiny.Build(_data.Shape, seed: 5);
            manual_seed(5);
            return new Trainer(new TrainerOptions
            {
                Model = m, Data = _data, Seed = seed, Schedule = new TrainingSchedule { Epochs = 1, BatchSize = 64, LearningRate = 0.05 },
            }).Run().History[0].TrainLoss;
        }
        Assert.Equal(Run(7), Run(7));
        // the trainer's seed alone (batch order, crops, flips) changes the run
        Assert.NotEqual(Run(7), Run(8));
    }

    [Fact]
    public void Native_memory_stays_flat_across_epochs()
    {
        using var model = Tiny.Build(_data.Shape, seed: 1);
        using var teacher = Tiny.Build(_data.Shape, seed: 2);
        var live = new List<long>();
        var trainer = new Trainer(Options(model, 5, Path.Combine(_dir, "mem"), new Dkpp(3), teacher));
        trainer.EpochCompleted += _ => live.Add(Tensor.TotalCount);
        trainer.Run();
        // After the first epoch (which creates the optimiser's momentum buffers) the number of live
        // tensors must not grow: a leak of even one tensor per batch would add ~47 per epoch here.
        Assert.Equal(5, live.Count);
        Assert.True(live.Skip(1).Max() - live[1] <= 2, $"live tensors per epoch: {string.Join(", ", live)}");
    }

    [Fact]
    public void Every_tensor_a_training_epoch_makes_is_disposed_by_the_training_thread_none_by_the_finalizer()
    {
        using var model = Tiny.Build(_data.Shape, seed: 1);
        using var teacher = Tiny.Build(_data.Shape, seed: 2);
        // Prefetch 0: batches made on this thread too, so this thread's own counts see every tensor of an epoch.
        var trainer = new Trainer(Options(model, 4, Path.Combine(_dir, "scopes"), new Ban(), teacher, prefetch: 0));
        var live = new List<long>();
        trainer.EpochCompleted += _ =>
        {
            // A tensor left to the finalizer is freed on the finalizer's thread: it stays live in this thread's count.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            live.Add(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        };
        Assert.Equal(TrainingStatus.Completed, trainer.Run().Status);
        Assert.Equal(4, live.Count);
        // After epoch 1 (momentum buffers) the count must not move at all: 47 batches an epoch would show any leak.
        Assert.True(live.Skip(1).All(c => c == live[1]), $"live tensors on the training thread after each epoch: {string.Join(", ", live)}");
    }

    [Fact]
    public void A_nan_loss_fails_the_run_with_the_reason_and_keeps_the_last_checkpoint()
    {
        using var model = Tiny.Build(_data.Shape, seed: 1);
        string dir = Path.Combine(_dir, "nan");
        var objective = new PoisonAfter(batches: 60); // 47 batches per epoch: poisoned in epoch 2
        var result = new Trainer(Options(model, 3, dir, objective)).Run();
        Assert.Equal(TrainingStatus.Failed, result.Status);
        Assert.Contains("NaN", result.Reason);
        Assert.Contains("epoch 2", result.Reason);
        Assert.Single(result.History);
        Assert.Equal(1, Checkpoint.ReadHeader(Path.Combine(dir, Checkpoint.FileName))!.EpochsDone);
    }

    [Fact]
    public void Cancellation_stops_between_batches()
    {
        using var model = Tiny.Build(_data.Shape, seed: 1);
        using var cts = new CancellationTokenSource();
        var trainer = new Trainer(Options(model, 50));
        int batches = 0;
        trainer.BatchCompleted += p => { if (++batches == 2) cts.Cancel(); };
        var result = trainer.Run(cts.Token);
        Assert.Equal(TrainingStatus.Cancelled, result.Status);
        Assert.Empty(result.History);
    }

    /// <summary>Label loss that turns into NaN after a number of batches, as a diverging run would.</summary>
    sealed class PoisonAfter(int batches) : IDistillationObjective
    {
        int _seen;
        public string Name => "poison";
        public bool NeedsTeacher => false;
        public Tensor Loss(Tensor studentLogits, Tensor? teacherLogits, Tensor labels)
        {
            var loss = Label.CrossEntropy(studentLogits, labels);
            return ++_seen > batches ? loss * double.NaN : loss;
        }
    }
}
