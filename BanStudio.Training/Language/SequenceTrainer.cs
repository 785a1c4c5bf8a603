using System.Diagnostics;
using BanStudio.Training.Objectives;
using BanStudio.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Language;

/// <summary>What one <see cref="SequenceTrainer"/> trains, on what, and how.</summary>
public sealed class SequenceTrainerOptions
{
    public required LanguageModel Model { get; init; }
    public required CorpusSplits Corpus { get; init; }
    public required TrainingSchedule Schedule { get; init; }
    public required long Seed { get; init; }
    /// <summary>The loss, applied to the softmax at every unrolled step ([T*B, V]); label cross-entropy for teachers.</summary>
    public IDistillationObjective Objective { get; init; } = new Label();
    /// <summary>The teacher whose per-step outputs the objective learns from, or null.</summary>
    public LanguageModel? Teacher { get; init; }
    public Device Device { get; init; } = CPU;
    public string? CheckpointDirectory { get; init; }
    public string Fingerprint { get; init; } = "";
    /// <summary>Truncated BPTT length (35 in Zaremba et al., Kim et al. and the paper).</summary>
    public int Steps { get; init; } = 35;
    /// <summary>Streams of the validation split, and of the test split when the schedule sets no <see cref="TrainingSchedule.TestBatchSize"/>; null: the training batch size (as Zaremba et al. validate).</summary>
    public int? EvaluationBatchSize { get; init; }
    public TimeSpan BatchProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>
/// Trains one language model for a whole schedule: plain SGD (the schedule's momentum, normally 0) over
/// 35-step windows of the batchified training stream, on the loss summed over the window's steps and averaged over
/// its sequences (what lr 1 means in Zaremba et al.'s and Kim et al.'s code; reported losses are per word), the hidden state carried from window to window and
/// detached (truncated BPTT), gradient norm clipping, validation and test perplexity after every epoch, the
/// plateau learning rate of section 4.2, and a checkpoint after every epoch (resumable like the image trainer's).
/// A born-again student reads the teacher's softmax at every step of the same window; the teacher carries its
/// own state and runs in eval mode under inference mode (no autograd bookkeeping at all).
/// </summary>
public sealed class SequenceTrainer
{
    readonly SequenceTrainerOptions _o;

    public SequenceTrainer(SequenceTrainerOptions options)
    {
        SpecValidationException.ThrowIfAny(options.Schedule.Validate());
        if (options.Objective.NeedsTeacher && options.Teacher is null)
            throw new ArgumentException($"objective {options.Objective.Name} learns from a teacher's outputs: give SequenceTrainerOptions.Teacher, or train with the label objective");
        if (options.Teacher is { } t && t.VocabularySize != options.Model.VocabularySize)
            throw new ArgumentException($"the teacher predicts {t.VocabularySize} words, the student {options.Model.VocabularySize}: they must share the vocabulary");
        _o = options;
    }

    public event Action<EpochMetrics>? EpochCompleted;
    public event Action<BatchProgress>? BatchCompleted;
    public event Action<int>? Resumed;
    public event Action<string>? Notice;

    public string? CheckpointPath => _o.CheckpointDirectory is null ? null : Path.Combine(_o.CheckpointDirectory, Checkpoint.FileName);

    public TrainingResult Run(CancellationToken cancellationToken = default)
    {
        var model = _o.Model;
        var schedule = _o.Schedule;
        model.to(_o.Device);
        model.UseVocabulary(_o.Corpus.Vocabulary);
        Precisions.ApplyTf32(_o.Device, schedule);
        if (_o.Teacher is { } teacher)
        {
            teacher.to(_o.Device);
            teacher.UseVocabulary(_o.Corpus.Vocabulary);
            teacher.eval();
        }
        long parameters = model.parameters().Sum(p => p.numel());
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = new BanStudio.Training.Training.SGD(trainable, schedule.LearningRate, schedule.Momentum, weightDecay: schedule.WeightDecay, nesterov: schedule.Nesterov);
        using var generator = new Generator((ulong)_o.Seed);
        var generators = new List<Generator> { generator };
        if (_o.Objective is Dkpp dkpp) generators.Add(dkpp.Generator);

        var history = new List<EpochMetrics>();
        double priorSeconds = 0;
        if (CheckpointPath is { } path && File.Exists(path))
        {
            var header = Checkpoint.ReadHeader(path)!;
            if (header.Fingerprint == _o.Fingerprint)
            {
                header = Checkpoint.Load(path, model, optimizer, generators);
                history.AddRange(header.History);
                priorSeconds = header.WallSeconds;
                Resumed?.Invoke(header.EpochsDone);
            }
            else
            {
                Notice?.Invoke($"{path} was made by another configuration (model, data, schedule or seed differ); training from scratch and replacing it. Use another output folder to keep it.");
            }
        }

        using var train = new TokenStream(_o.Corpus.Train, schedule.BatchSize, _o.Steps);
        var wall = Stopwatch.StartNew();
        try
        {
            for (int epoch = history.Count; epoch < schedule.Epochs; epoch++)
            {
                if (cancellationToken.IsCancellationRequested) return Result(TrainingStatus.Cancelled, "cancelled");
                double lr = PlateauSchedule.RateAfter(schedule, history);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
                var clock = Stopwatch.StartNew();
                var (trainLoss, trainError, words, cancelled) = TrainEpoch(model, optimizer, train, epoch, cancellationToken);
                if (cancelled) return Result(TrainingStatus.Cancelled, $"cancelled during epoch {epoch + 1}; resumes from epoch {epoch + 1}");
                double trainSeconds = clock.Elapsed.TotalSeconds;
                var valid = SequenceScore.Evaluate([model], _o.Corpus.Valid, _o.Device, _o.EvaluationBatchSize ?? schedule.BatchSize, _o.Steps);
                var test = SequenceScore.Evaluate([model], _o.Corpus.Test, _o.Device, schedule.TestBatchSize ?? _o.EvaluationBatchSize ?? schedule.BatchSize, _o.Steps);
                var metrics = new EpochMetrics(epoch + 1, trainLoss, trainError, test.Loss, test.Error, null, lr,
                    clock.Elapsed.TotalSeconds, words / Math.Max(trainSeconds, 1e-9), ValidLoss: valid.Loss);
                history.Add(metrics);
                if (CheckpointPath is { } ckpt)
                    Checkpoint.Save(ckpt, new Checkpoint.Header(_o.Fingerprint, epoch + 1, history, priorSeconds + wall.Elapsed.TotalSeconds),
                        model, optimizer, generators);
                EpochCompleted?.Invoke(metrics);
            }
        }
        catch (NonFiniteLossException e)
        {
            string kept = CheckpointPath is null || history.Count == 0 ? "" : $" (the checkpoint after epoch {history.Count} is kept in {CheckpointPath})";
            return Result(TrainingStatus.Failed, e.Message + kept);
        }
        return Result(TrainingStatus.Completed, null);

        TrainingResult Result(TrainingStatus status, string? reason) =>
            new(status, reason, history.ToList(), parameters, priorSeconds + wall.Elapsed.TotalSeconds);
    }

    (double Loss, double Error, long Words, bool Cancelled) TrainEpoch(LanguageModel model, TorchSharp.Modules.OptimizerHelper optimizer,
        TokenStream train, int epoch, CancellationToken cancellationToken)
    {
        model.train();
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        RecurrentState? state = null, teacherState = null;
        double lossSum = 0;
        long wrong = 0, seen = 0;
        var lastReport = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        int windows = train.Windows;
        try
        {
            for (int w = 0; w < windows; w++)
            {
                if (cancellationToken.IsCancellationRequested) return (0, 0, 0, true);
                using var scope = NewDisposeScope();
                var (input, target) = train.Window(w);
                var x = input.to(_o.Device);
                var y = target.to(_o.Device).flatten();
                var (logits, next) = model.Forward(x, state);
                // Truncated BPTT: the next window starts from these values, but no gradient flows back into this one.
                Replace(ref state, next);
                var flat = logits.view(-1, logits.shape[^1]);
                Tensor? teacherFlat = null;
                if (_o.Teacher is { } teacher)
                {
                    // Inference mode skips autograd's bookkeeping entirely (more than no_grad does), as in Trainer. The
                    // logits are handed over as they are, not cloned (45 MB a window at PTB's vocabulary): every objective
                    // takes a softmax of them before anything is saved for backward (ObjectiveContractTests pins it).
                    using (inference_mode())
                    {
                        var (teacherLogits, teacherNext) = teacher.Forward(x, teacherState);
                        Replace(ref teacherState, teacherNext);
                        teacherFlat = teacherLogits.view(-1, teacherLogits.shape[^1]);
                    }
                }
                var (loss, labelTerm) = _o.Objective.LossWithLabelTerm(flat, teacherFlat, y);
                double value = loss.item<float>();
                if (!double.IsFinite(value)) throw new NonFiniteLossException(epoch, w, value);
                optimizer.zero_grad();
                // Zaremba et al.'s and Kim et al.'s lr 1 (and so the paper's) is for a loss summed over the window's
                // steps and averaged over its sequences; the objective averages over all T*B words, so scale by T.
                PerSequence(loss, x.shape[0]).backward();
                if (_o.Schedule.ClipGradNorm is { } clip) nn.utils.clip_grad_norm_(trainable, clip);
                optimizer.step();
                long count = y.shape[0];
                // Train perplexity is the label cross-entropy's, whatever the objective (BAN+L's sum of two terms is not a perplexity).
                double labelLoss = (labelTerm ?? nn.functional.cross_entropy(flat.detach(), y)).item<float>();
                lossSum += labelLoss * count;
                wrong += flat.argmax(1).ne(y).sum().item<long>();
                seen += count;
                if (BatchCompleted is { } handler && (lastReport.Elapsed >= _o.BatchProgressInterval || w == windows - 1))
                {
                    lastReport.Restart();
                    handler(new BatchProgress(epoch + 1, w + 1, windows, lossSum / seen, seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)));
                }
            }
        }
        finally
        {
            state?.Dispose();
            teacherState?.Dispose();
        }
        return (lossSum / seen, (double)wrong / seen, seen, false);
    }

    /// <summary>The window's loss as the references optimise it: summed over its <paramref name="steps"/>, averaged over sequences.</summary>
    public static Tensor PerSequence(Tensor perWordLoss, long steps) => perWordLoss * steps;

    static void Replace(ref RecurrentState? state, RecurrentState next)
    {
        state?.Dispose();
        state = next.Detach();
    }
}
