using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;
using Microsoft.AspNetCore.Components;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>Born-again or cross-architecture students, the generation sequence, Table 2's treatments and the ensembles.</summary>
public partial class StudentsStep
{
    [Parameter, EditorRequired] public WizardModel Model { get; set; } = null!;
    [Parameter, EditorRequired] public DataShape Shape { get; set; } = null!;

    bool CrossArchitecture => Model.Spec.Student is not null;

    /// <summary>BAN-1 (when there are generations) and the treatments: the students a shared start concerns.</summary>
    int FirstGenerationStudents => (Model.Spec.Generations > 0 ? 1 : 0) + (Model.Spec.Treatments?.Distinct().Count() ?? 0);

    void ChooseStudentKind(bool cross)
    {
        if (cross == CrossArchitecture) return;
        Model.ClearInputErrors("student");
        // Section 3.4's pairing: a DenseNet teacher's students become ResNets matched to its stages, and the reverse.
        ModelSpec? student = !cross ? null
            : Model.Spec.Teacher is DenseNetSpec ? ModelFamilies.Get("banresnet").Create(Model.Spec.Teacher)
            : ModelFamilies.Get("densenet").Create(null);
        Model.Update(s => s with { Student = student });
    }

    void SetStudent(ModelSpec student) => Model.Update(s => s with { Student = student });

    void Toggle(Treatment treatment, bool on) => Model.Update(s => s with
    {
        // Kept in Table 2's order whatever the clicking order, so the JSON and the plan read the same way.
        Treatments = Enum.GetValues<Treatment>().Where(t => t == treatment ? on : s.Treatments.Contains(t)).ToArray(),
    });

    static string TestName(Treatment t) => ExperimentPlan.TreatmentColumn(t).ToLowerInvariant().Replace("+", "-plus-");

    static string Describe(Treatment t) => t switch
    {
        Treatment.Ban => "the teacher's outputs, beside the sequence's BAN-1",
        Treatment.BanPlusLabel => "outputs and labels",
        Treatment.Cwtm => "labels weighted by the teacher's confidence (Eq. 10)",
        Treatment.Baseline => "the students' network from labels only, the control (Table 5)",
        _ => "outputs with the non-argmax probabilities permuted (Eq. 11)",
    };
}
