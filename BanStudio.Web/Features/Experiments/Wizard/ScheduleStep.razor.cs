using BanStudio.Training.Training;
using Microsoft.AspNetCore.Components;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>The shared optimisation schedule (paper 4.1: students use the teacher's), seeds and device.</summary>
public partial class ScheduleStep
{
    [Parameter, EditorRequired] public WizardModel Model { get; set; } = null!;

    TrainingSchedule Schedule => Model.Spec.Schedule;

    /// <summary>A language model's experiment: the plateau schedule, clipping and the BPTT window apply.</summary>
    bool IsText => Model.Spec.Dataset.IsText;

    /// <summary>The sequence trainer's window (SequenceTrainerOptions.Steps): not a spec field, shown so the plan is complete.</summary>
    const int BpttSteps = 35;

    bool Has(string field) => Model.ErrorFor(field) is not null;

    /// <summary>The usual choices, plus whatever an uploaded spec named, so it is shown rather than silently replaced.</summary>
    IEnumerable<string> Devices => new[] { "cpu", "auto", "cuda" }.Append(Model.Spec.Device).Distinct();

    string MilestoneEpochs => Has("schedule.milestones") || Has("schedule.epochs")
        ? "e.g. 0.3, 0.6, 0.8"
        : $"lr × {Schedule.Gamma} from epochs {string.Join(", ", Schedule.MilestoneEpochs.Select(e => e + 1))}";

    void Set(TrainingSchedule schedule) => Model.Update(s => s with { Schedule = schedule });

    void SetMilestones(string? text)
    {
        if (ListText.Parse<double>(text) is not { } milestones)
        {
            Model.SetInputError("schedule.milestones", "write fractions separated by commas, e.g. 0.3, 0.6, 0.8");
            return;
        }
        Model.SetInputError("schedule.milestones", null);
        Set(Schedule with { Milestones = milestones });
    }

    void SetSeeds(string? text)
    {
        if (ListText.Parse<long>(text) is not { } seeds)
        {
            Model.SetInputError("seeds", "write whole numbers separated by commas, e.g. 1, 2, 3");
            return;
        }
        Model.SetInputError("seeds", null);
        Model.Update(s => s with { Seeds = seeds });
    }
}
