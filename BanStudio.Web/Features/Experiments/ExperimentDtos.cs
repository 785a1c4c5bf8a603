using System.Text.Json;
using BanStudio.Web.Infrastructure.Data;

namespace BanStudio.Web.Features.Experiments;

public sealed record SubmittedExperiment(int Id);

/// <summary>A row of the experiments list. Done counts steps that ended (completed or failed) out of the plan's total.</summary>
public sealed record ExperimentListItem(int Id, string Name, string Status, string? Reason, int DoneSteps, int TotalSteps, DateTimeOffset CreatedAt);

public sealed record ExperimentDetails(
    int Id, string Name, string Status, string? Reason, int DoneSteps, int TotalSteps,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string Folder,
    JsonElement Spec, IReadOnlyList<RunDetails> Runs);

/// <summary>One plan step's results. Errors are fractions; improvement is in percentage points.</summary>
public sealed record RunDetails(
    string Key, int StepIndex, string Column, long Seed, int Generation, string Model, string Objective, string? TeacherKey,
    string Status, string? Reason, double? FinalTestError, double? BestTestError, int? BestEpoch, double? FinalTestLoss,
    double? FinalTestTop5Error, long Parameters, int Epochs, double WallSeconds, double? ImprovementOverTeacher, string? CheckpointPath)
{
    public static RunDetails From(Run r) => new(
        r.Key, r.StepIndex, r.Column, r.Seed, r.Generation, r.Model, r.Objective, r.TeacherKey, Words.Of(r.Status), r.Reason,
        r.FinalTestError, r.BestTestError, r.BestEpoch, r.FinalTestLoss, r.FinalTestTop5Error, r.Parameters, r.Epochs,
        r.WallSeconds, r.ImprovementOverTeacher, r.CheckpointPath);
}

/// <summary>The answer to cancel and resume: the status the experiment has now ("cancelling" while a training winds down).</summary>
public sealed record ExperimentAction(int Id, string Status);

/// <summary>The answer to delete: null <paramref name="FilesKept"/> when its folder went too, else what was kept and why.</summary>
public sealed record DeletedExperiment(int Id, string? FilesKept);
