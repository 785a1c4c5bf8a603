namespace BanStudio.Web.Infrastructure.Live;

/// <summary>What <see cref="TrainingHub"/> clients receive; each method carries one message object (camelCase JSON).</summary>
public interface ITrainingClient
{
    Task EpochCompleted(EpochCompletedMessage message);
    Task BatchProgress(BatchProgressMessage message);
    Task RunStatusChanged(RunStatusChangedMessage message);
    Task ExperimentCompleted(ExperimentCompletedMessage message);
}

/// <summary>
/// Errors are fractions; epochs are 1-based. Language models: losses are per word (perplexity = exp(loss)) and
/// <see cref="ValidLoss"/> is the validation split's; null for image models, which have no validation split.
/// </summary>
public sealed record EpochCompletedMessage(
    int ExperimentId, string RunKey, string Column, int Generation, int Epoch,
    double TrainLoss, double TrainError, double TestLoss, double TestError, double LearningRate, double Seconds,
    double? ValidLoss = null);

/// <summary>Mid-epoch progress, at most <see cref="TrainingBroadcaster.BatchProgressPerSecond"/> a second per experiment.</summary>
public sealed record BatchProgressMessage(int ExperimentId, string RunKey, int Epoch, int Batch, int Batches, double RunningLoss);

/// <summary>Status is one of running, completed, failed, cancelled; finalTestError is a fraction once known.</summary>
public sealed record RunStatusChangedMessage(int ExperimentId, string RunKey, string Column, string Status, double? FinalTestError, string? Reason);

/// <summary>Status is completed, failed, cancelled or interrupted.</summary>
public sealed record ExperimentCompletedMessage(int ExperimentId, string Status, string? Reason);
