using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>The plan of the spec as designed, in <see cref="ExperimentPlan"/>'s order, with estimated times.</summary>
public partial class ReviewStep
{
    public sealed record PlanRow(int Index, PlanStep Step, StepEstimate? Estimate);

    [Parameter, EditorRequired] public WizardModel Model { get; set; } = null!;
    [Parameter] public EventCallback OnLaunch { get; set; }
    [Parameter] public bool Launching { get; set; }
    [Inject] public required IDbContextFactory<StudioDb> DbFactory { get; init; }

    ExperimentPlan? plan;
    PlanEstimate? estimate;
    IReadOnlyList<PlanRow> rows = [];
    ExperimentSpec? planned;

    /// <summary>The spec in <see cref="SpecJson"/>'s dialect as a data URL: a download needs no JavaScript and no server round trip.</summary>
    string DownloadHref => "data:application/json;charset=utf-8," + Uri.EscapeDataString(SpecJson.Write(Model.Spec));

    string DownloadName => $"{(string.IsNullOrWhiteSpace(Model.Spec.Name) ? "experiment" : string.Concat(Model.Spec.Name.Split(Path.GetInvalidFileNameChars())))}.json";

    /// <summary>What a step learns from: "labels", its teacher's key ("teacher", "ban-1"), or an ensemble's members.</summary>
    static string LearnsFrom(PlanStep step) => step switch
    {
        { Kind: StepKind.Ensemble } => "its members' predictions",
        { LearnsFromTeacher: true } => step.TeacherKey!.Split('/')[^1],
        // A BAN-ResNet baseline keeps its teacher only for the frozen conv1 and fc-output.
        { TeacherKey: { } shared } => $"labels (conv1 and fc-output of {shared.Split('/')[^1]})",
        _ => "labels",
    };

    protected override async Task OnParametersSetAsync()
    {
        if (ReferenceEquals(planned, Model.Spec)) return;
        planned = Model.Spec;
        if (!Model.IsDesignValid)
        {
            (plan, estimate, rows) = (null, null, []);
            return;
        }
        var spec = Model.Spec;
        plan = ExperimentPlan.Create(spec);
        estimate = null;
        rows = plan.Steps.Select((s, i) => new PlanRow(i + 1, s, null)).ToList();
        var models = plan.Steps.Where(s => s.Model is not null).Select(s => s.Model!.DisplayName).Distinct().ToList();
        await using var db = await DbFactory.CreateDbContextAsync();
        var measured = await PlanEstimator.MeasuredAsync(db, models, CancellationToken.None);
        if (!ReferenceEquals(planned, spec)) return; // edited while the database answered
        var shape = DataShapes.Of(spec.Dataset);
        estimate = PlanEstimator.Estimate(plan, measured, m => ParameterCounts.Get(m, shape));
        rows = estimate.Steps.Select((e, i) => new PlanRow(i + 1, e.Step, e)).ToList();
    }
}
