namespace BanStudio.Web.Infrastructure.Data;

public enum RunStatus { Running, Completed, Failed, Cancelled, Interrupted }

/// <summary>One plan step of an experiment: a trained model or an evaluated ensemble, with its results.</summary>
public sealed class Run
{
    public int Id { get; set; }
    public int ExperimentId { get; set; }
    public Experiment? Experiment { get; set; }
    /// <summary>Position in the plan, so tables and CSVs keep the plan's order.</summary>
    public int StepIndex { get; set; }
    /// <summary>The plan key, e.g. "seed-1/ban-2": unique within an experiment, and the step's folder.</summary>
    public required string Key { get; set; }
    public bool IsEnsemble { get; set; }
    public required string Column { get; set; }
    public long Seed { get; set; }
    public int Generation { get; set; }
    public required string Model { get; set; }
    public required string Objective { get; set; }
    public string? TeacherKey { get; set; }
    /// <summary>Ensemble members' keys, comma-separated; empty for trained models.</summary>
    public string Members { get; set; } = "";
    public RunStatus Status { get; set; }
    public string? Reason { get; set; }
    public double? FinalTestError { get; set; }
    public double? BestTestError { get; set; }
    public int? BestEpoch { get; set; }
    public double? FinalTestLoss { get; set; }
    public double? FinalTestTop5Error { get; set; }
    /// <summary>Language models only: the validation loss per word after the last epoch (Table 6's Val column is its exp).</summary>
    public double? FinalValidLoss { get; set; }
    public long Parameters { get; set; }
    public int Epochs { get; set; }
    public double WallSeconds { get; set; }
    /// <summary>Kept beside the improvement so the exact ModelResult (and so results.csv) can be rebuilt.</summary>
    public double? TeacherFinalTestError { get; set; }
    /// <summary>Teacher's final test error minus this one's, in percentage points.</summary>
    public double? ImprovementOverTeacher { get; set; }
    public string? CheckpointPath { get; set; }
    public string Fingerprint { get; set; } = "";
    public List<EpochMetric> EpochMetrics { get; set; } = [];
}
