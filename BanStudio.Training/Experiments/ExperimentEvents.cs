using BanStudio.Training.Training;

namespace BanStudio.Training.Experiments;

/// <summary>
/// What one trained model or evaluated ensemble scored. Errors are fractions. FinalTestError is the
/// error after the last epoch (the paper's convention); BestTestError is the best epoch's, kept apart.
/// </summary>
public sealed record ModelResult
{
    public required string Key { get; init; }
    public required string Column { get; init; }
    public required long Seed { get; init; }
    public required int Generation { get; init; }
    public required string Model { get; init; }
    public required string Objective { get; init; }
    public string? TeacherKey { get; init; }
    public IReadOnlyList<string> Members { get; init; } = [];
    public required TrainingStatus Status { get; init; }
    public string? Reason { get; init; }
    public double? FinalTestError { get; init; }
    public double? BestTestError { get; init; }
    public int? BestEpoch { get; init; }
    public double? FinalTestLoss { get; init; }
    public double? FinalTestTop5Error { get; init; }
    public long Parameters { get; init; }
    public int Epochs { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>The teacher's final-epoch test error (for students), to read the improvement against.</summary>
    public double? TeacherFinalTestError { get; init; }
    /// <summary>Teacher error minus this model's, in percentage points of error (positive: the student is better).</summary>
    public double? ImprovementOverTeacher => TeacherFinalTestError is { } t && FinalTestError is { } s ? (t - s) * 100 : null;
    /// <summary>Identifies the exact configuration; a finished result is reused only when this matches.</summary>
    public string Fingerprint { get; init; } = "";
    /// <summary>Language models: the validation loss per word after the last epoch; null for image models.</summary>
    public double? FinalValidLoss { get; init; }
    /// <summary>Language models: exp(validation loss), lower is better (Table 6); null for image models.</summary>
    public double? FinalValidPerplexity => FinalValidLoss is { } v ? Math.Exp(v) : null;
    /// <summary>Language models: exp(test loss), lower is better (Table 6); null for image models.</summary>
    public double? FinalTestPerplexity => FinalValidLoss is not null && FinalTestLoss is { } t ? Math.Exp(t) : null;
}

/// <summary>Everything a running experiment tells its observers, in order.</summary>
public abstract record ExperimentEvent(string Experiment);

public sealed record StepStarted(string Experiment, PlanStep Step, int Index, int Total) : ExperimentEvent(Experiment);

public sealed record StepEpochCompleted(string Experiment, PlanStep Step, EpochMetrics Metrics) : ExperimentEvent(Experiment);

public sealed record StepBatchProgress(string Experiment, PlanStep Step, BatchProgress Progress) : ExperimentEvent(Experiment);

/// <summary>A step finished now, or was found finished on disk (<paramref name="Reused"/>) and not recomputed.</summary>
public sealed record StepFinished(string Experiment, PlanStep Step, ModelResult Result, bool Reused) : ExperimentEvent(Experiment);

public sealed record ExperimentLog(string Experiment, string Message) : ExperimentEvent(Experiment);

public sealed record ExperimentFinished(string Experiment, TrainingStatus Status, string? Reason, IReadOnlyList<ModelResult> Results)
    : ExperimentEvent(Experiment);
