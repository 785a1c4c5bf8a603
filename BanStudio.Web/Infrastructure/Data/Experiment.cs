namespace BanStudio.Web.Infrastructure.Data;

public enum ExperimentStatus { Queued, Running, Completed, Failed, Cancelled, Interrupted }

/// <summary>One submitted experiment spec and how far it got.</summary>
public sealed class Experiment
{
    public int Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The spec as submitted, re-serialised with <see cref="Training.SpecJson"/>: the queue rebuilds the plan from it.</summary>
    public required string SpecJson { get; set; }
    public ExperimentStatus Status { get; set; }
    public string? Reason { get; set; }
    /// <summary>Steps in the plan (trainings and ensembles), kept so a list shows progress without rebuilding plans.</summary>
    public int TotalSteps { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Where the runner keeps checkpoints and results; set once the id is known.</summary>
    public string Folder { get; set; } = "";
    /// <summary>The <see cref="ProcessOwner"/> training it while it runs (the app, or the CLI's run); null otherwise.</summary>
    public string? Owner { get; set; }
    public List<Run> Runs { get; set; } = [];
}
