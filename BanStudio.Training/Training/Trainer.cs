using System.Diagnostics;
using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Training;

/// <summary>What one <see cref="Trainer"/> trains, on what, and how.</summary>
public sealed class TrainerOptions
{
    public required BanModel Model { get; init; }
    public required ImageSplits Data { get; init; }
    public required TrainingSchedule Schedule { get; init; }
    public required long Seed { get; init; }
    /// <summary>The loss; label cross-entropy for teachers and baselines.</summary>
    public IDistillationObjective Objective { get; init; } = new Label();
    /// <summary>The teacher whose outputs the objective learns from (born-again students), or null.</summary>
    public BanModel? Teacher { get; init; }
    public Device Device { get; init; } = CPU;
    /// <summary>Folder for the per-epoch checkpoint; null trains without checkpoints (and cannot resume).</summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Identifies the configuration a checkpoint belongs to; a mismatching checkpoint is not resumed.</summary>
    public string Fingerprint { get; init; } = "";
    /// <summary>Minimum interval between <see cref="Trainer.BatchCompleted"/> events.</summary>
    public TimeSpan BatchProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    public int EvaluationBatchSize { get; init; } = 500;
    /// <summary>Training batches prepared ahead on another thread; 0 prepares each on the training thread.</summary>
    public int Prefetch { get; init; } = 2;
}

/// <summary>
/// Trains one model for a whole schedule: SGD with Nesterov momentum, the schedule's learning rate
/// per epoch, Wide-ResNet augmentation, test evaluation and a checkpoint after every epoch.
/// Every step runs inside a dispose scope so native memory stays flat across epochs.
/// Teacher outputs are computed on the same augmented batch the student sees, in inference mode.
/// </summary>
public sealed class Trainer
{
    readonly TrainerOptions _o;

    public Trainer(TrainerOptions options)
    {
        SpecValidationException.ThrowIfAny(options.Schedule.Validate());
        if (options.Objective.NeedsTeacher && options.Teacher is null)
            throw new ArgumentException($"objective {options.Objective.Name} learns from a teacher's outputs: give TrainerOptions.Teacher, or train with the label objective");
        _o = options;
    }

    public event Action<EpochMetrics>? EpochCompleted;
    public event Action<BatchProgress>? BatchCompleted;
    /// <summary>Raised when training resumes from a checkpoint, with the number of epochs already done.</summary>
    public event Action<int>? Resumed;
    /// <summary>Raised with a sentence a user should read, e.g. why a checkpoint on disk was not resumed.</summary>
    public event Action<string>? Notice;

    public string? CheckpointPath =>
        _o.CheckpointDirectory is null ? null : Path.Combine(_o.CheckpointDirectory, Checkpoint.FileName);

    /// <summary>Runs on the <see cref="TrainingThread"/>: the main thread where the host lends it, else a dedicated one.</summary>
    public Task<TrainingResult> RunAsync(CancellationToken cancellationToken = default) =>
        TrainingThread.Run(() => Run(cancellationToken), cancellationToken);

    public TrainingResult Run(CancellationToken cancellationToken = default)
    {
        var model = _o.Model;
        var schedule = _o.Schedule;
        model.to(_o.Device);
        // Before the optimiser is built: converting replaces the parameters it would hold.
        if (schedule.Precision != Precision.Float32) model.UsePrecision(Precisions.ScalarTypeOf(schedule.Precision));
        Precisions.ApplyTf32(_o.Device, schedule);
        _o.Teacher?.to(_o.Device);
        _o.Teacher?.eval();
        long parameters = model.parameters().Sum(p => p.numel());
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = new BanStudio.Training.Training.SGD(trainable, schedule.LearningRate, schedule.Momentum,
            weightDecay: schedule.WeightDecay, nesterov: schedule.Nesterov);
        using var generator = new Generator((ulong)_o.Seed);
        var generators = new List<Generator> { generator };
        if (_o.Objective is Dkpp dkpp) generators.Add(dkpp.Generator);

        var history = new List<EpochMetrics>();
        double priorSeconds = 0;
        int startEpoch = 0;
        if (CheckpointPath is { } path && File.Exists(path))
        {
            var header = Checkpoint.ReadHeader(path)!;
            if (header.Fingerprint == _o.Fingerprint)
            {
                header = Checkpoint.Load(path, model, optimizer, generators);
                history.AddRange(header.History);
                startEpoch = header.EpochsDone;
                priorSeconds = header.WallSeconds;
                Resumed?.Invoke(startEpoch);
            }
            else
            {
                Notice?.Invoke($"{path} was made by another configuration (model, data, schedule or seed differ); " +
                               "training from scratch and replacing it. Use another output folder to keep it.");
            }
        }

        using var loader = new BatchLoader(_o.Data.Train, BatchTransform.ForTraining(_o.Data), schedule.BatchSize, _o.Device, _o.Prefetch);
        var wall = Stopwatch.StartNew();
        try
        {
            for (int epoch = startEpoch; epoch < schedule.Epochs; epoch++)
            {
                if (cancellationToken.IsCancellationRequested)
                    return Result(TrainingStatus.Cancelled, "cancelled");
                double lr = schedule.LearningRateAt(epoch);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
                var clock = Stopwatch.StartNew();
                var (trainLoss, trainError, cancelled) = TrainEpoch(model, optimizer, loader, generator, epoch, cancellationToken);
                if (cancelled) return Result(TrainingStatus.Cancelled, $"cancelled during epoch {epoch + 1}; resumes from epoch {epoch + 1}");
                var score = Evaluate(model);
                double seconds = clock.Elapsed.TotalSeconds;
                var metrics = new EpochMetrics(epoch + 1, trainLoss, trainError, score.Loss, score.Error, score.Top5Error, lr,
                    seconds, _o.Data.Train.Count / Math.Max(seconds, 1e-9));
                history.Add(metrics);
                if (CheckpointPath is { } ckpt)
                    Checkpoint.Save(ckpt, new Checkpoint.Header(_o.Fingerprint, epoch + 1, history, priorSeconds + wall.Elapsed.TotalSeconds, schedule.Precision),
                        model, optimizer, generators);
                EpochCompleted?.Invoke(metrics);
            }
        }
        catch (NonFiniteLossException e)
        {
            return Result(TrainingStatus.Failed, e.Message + KeptNote(history.Count));
        }
        return Result(TrainingStatus.Completed, null);

        TrainingResult Result(TrainingStatus status, string? reason) =>
            new(status, reason, history.ToList(), parameters, priorSeconds + wall.Elapsed.TotalSeconds);
    }

    string KeptNote(int epochsDone) => CheckpointPath is null || epochsDone == 0
        ? ""
        : $" (the checkpoint after epoch {epochsDone} is kept in {CheckpointPath})";

    /// <summary>How often (in batches) the running loss is read back to check it is finite, besides progress reports and the epoch's end.</summary>
    const int FiniteCheckInterval = 16;

    (double Loss, double Error, bool Cancelled) TrainEpoch(BanModel model, TorchSharp.Modules.OptimizerHelper optimizer,
        BatchLoader loader, Generator generator, int epoch, CancellationToken cancellationToken)
    {
        model.train();
        int batches = loader.BatchesPerEpoch;
        // Sums stay on the device: reading a value back (.item()) after every step would wait for the device
        // each time. A non-finite batch loss makes the sum non-finite for good, so checking the sum every few
        // batches (and always before the epoch's checkpoint) still catches every NaN, with the epoch named.
        using var lossSum = zeros([], ScalarType.Float64, _o.Device);
        using var wrongSum = zeros([], ScalarType.Int64, _o.Device);
        long seen = 0;
        int done = 0, firstUnchecked = 0;
        var lastReport = Stopwatch.StartNew();
        var epochClock = Stopwatch.StartNew();
        foreach (var batch in loader.Epoch(generator, cancellationToken))
        {
            using var scope = NewDisposeScope();
            scope.Attach(batch.Images, batch.Labels);
            if (cancellationToken.IsCancellationRequested) break;
            var (x, y) = (batch.Images, batch.Labels);
            var logits = model.forward(x);
            Tensor? teacherLogits = null;
            if (_o.Teacher is { } teacher)
            {
                // Inference mode skips autograd's bookkeeping entirely (more than no_grad does); the clone turns the
                // result into an ordinary tensor the objective may keep for the student's backward pass.
                using (inference_mode())
                    teacherLogits = teacher.forward(x);
                teacherLogits = teacherLogits.clone();
            }
            var loss = _o.Objective.Loss(logits, teacherLogits, y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            using (no_grad())
            {
                // A Scalar held until the call returns: an implicit one may be finalized mid-call (see SGD).
                using var count = batch.Count.ToScalar();
                lossSum.add_(loss.detach(), count);
                wrongSum.add_(logits.argmax(1).ne(y).sum());
            }
            seen += batch.Count;
            done++;
            bool last = done == batches;
            bool report = BatchCompleted is not null && (lastReport.Elapsed >= _o.BatchProgressInterval || last);
            if (report || last || done - firstUnchecked >= FiniteCheckInterval)
            {
                double sum = lossSum.item<double>();
                if (!double.IsFinite(sum)) throw new NonFiniteLossException(epoch, firstUnchecked, done - 1, sum);
                firstUnchecked = done;
                if (report)
                {
                    lastReport.Restart();
                    BatchCompleted!(new BatchProgress(epoch + 1, done, batches, sum / seen, seen / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9)));
                }
            }
        }
        if (done < batches) return (0, 0, true); // cancelled: the loader stopped early or we did
        return (lossSum.item<double>() / seen, (double)wrongSum.item<long>() / seen, false);
    }

    TestScore Evaluate(BanModel model)
    {
        model.eval();
        return TestScore.Evaluate(_o.Data, _o.Device, _o.EvaluationBatchSize, x => nn.functional.log_softmax(model.forward(x), 1));
    }
}
