namespace BanStudio.Training.Training;

/// <summary>
/// What one epoch produced. Errors are fractions in [0,1]; losses are label cross-entropy per sample.
/// For a language model a "sample" is a predicted word: losses are per word (perplexity = exp(loss)), errors
/// are next-word errors, <see cref="ImagesPerSecond"/> is training words per second, and <see cref="ValidLoss"/>
/// is the validation split's loss (image datasets have no validation split: null).
/// </summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainError,
    double TestLoss,
    double TestError,
    double? TestTop5Error,
    double LearningRate,
    double Seconds,
    double ImagesPerSecond,
    double? ValidLoss = null);

/// <summary>Mid-epoch progress, raised at most a few times a second.</summary>
public sealed record BatchProgress(int Epoch, int Batch, int Batches, double RunningLoss, double ImagesPerSecond);

public enum TrainingStatus { Completed, Cancelled, Failed }

/// <summary>
/// The outcome of one model's training. <see cref="FinalTestError"/> is the error at the last epoch
/// (the paper's convention); <see cref="BestTestError"/> is the best epoch's and is labelled as such.
/// </summary>
public sealed record TrainingResult(
    TrainingStatus Status,
    string? Reason,
    IReadOnlyList<EpochMetrics> History,
    long Parameters,
    double WallSeconds)
{
    public EpochMetrics? Final => History.Count > 0 ? History[^1] : null;
    public double? FinalTestError => Final?.TestError;
    public EpochMetrics? Best => History.Count > 0 ? History.MinBy(m => m.TestError) : null;
    public double? BestTestError => Best?.TestError;

    /// <summary>
    /// The history a result table may quote: all of it for a run that finished its schedule, none for a cancelled or
    /// failed one, whose last epoch is not the final epoch the paper reports (its epochs stay in the metrics).
    /// </summary>
    public IReadOnlyList<EpochMetrics> Reportable => Status == TrainingStatus.Completed ? History : [];
}

/// <summary>
/// Thrown inside a training epoch when the loss stops being a finite number. The trainer reads the loss back
/// every few batches, so the batch is known to within a range: <paramref name="firstBatch"/> to <paramref name="lastBatch"/> (0-based).
/// </summary>
public sealed class NonFiniteLossException(int epoch, int firstBatch, int lastBatch, double value)
    : Exception($"loss became {value} at epoch {epoch + 1}, {(firstBatch == lastBatch ? $"batch {firstBatch + 1}" : $"batches {firstBatch + 1} to {lastBatch + 1}")}; lower the learning rate or check the data")
{
    /// <summary>When the failing batch is known exactly (a trainer that reads every loss back, e.g. a sequence trainer).</summary>
    public NonFiniteLossException(int epoch, int batch, double value) : this(epoch, batch, batch, value) { }

    public int Epoch { get; } = epoch;
}
