using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Models;
using Microsoft.AspNetCore.Components;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>
/// Edits one model spec (the teacher or a cross-architecture student). The parameter count is
/// <see cref="ModelSpec.CountParameters"/> itself, run off the circuit's thread so a 90M-parameter
/// network never stalls typing, and only for the latest spec: an older count that finishes late is dropped.
/// </summary>
public partial class ModelEditor
{
    [Parameter, EditorRequired] public ModelSpec Spec { get; set; } = null!;
    [Parameter] public EventCallback<ModelSpec> SpecChanged { get; set; }
    [Parameter, EditorRequired] public string Field { get; set; } = "";
    [Parameter, EditorRequired] public WizardModel Model { get; set; } = null!;
    /// <summary>The data's shape: the count depends on input channels and classes.</summary>
    [Parameter, EditorRequired] public DataShape Shape { get; set; } = null!;
    [Parameter] public DenseNetSpec? ExperimentTeacher { get; set; }

    long? count;
    string? countProblem;
    bool counting;
    (ModelSpec, DataShape)? counted;
    int generation;

    ModelFamily Family => ModelFamilies.Of(Spec);

    string TestIdPrefix => Field.Replace('.', '-');

    string? CurrentPreset => Family.Presets.FirstOrDefault(p => p.Spec == Spec)?.Name;

    Dictionary<string, object?> EditorParameters => new()
    {
        ["Spec"] = Spec,
        ["SpecChanged"] = SpecChanged,
        ["Field"] = Field,
        ["Model"] = Model,
        ["ExperimentTeacher"] = ExperimentTeacher,
    };

    protected override void OnParametersSet()
    {
        var key = (Spec, Shape);
        if (counted == key) return;
        counted = key;
        _ = RecountAsync(Spec, Shape, ++generation);
    }

    async Task RecountAsync(ModelSpec spec, DataShape shape, int mine)
    {
        if (ParameterCounts.TryGet(spec, shape, out var known))
        {
            (count, countProblem, counting) = (known, null, false);
            return;
        }
        if (spec.Validate() is { Count: > 0 } errors)
        {
            (count, countProblem, counting) = (null, $"fix {Field}.{errors[0].Field} to count", false);
            return;
        }
        (count, counting) = (null, true);
        long? result = null;
        string? problem = null;
        try { result = await Task.Run(() => ParameterCounts.Get(spec, shape)); }
        catch (Exception e) when (e is SpecValidationException or ArgumentException or InvalidOperationException)
        {
            problem = e.Message;
        }
        if (mine != generation) return;
        (count, countProblem, counting) = (result, problem, false);
        StateHasChanged();
    }

    async Task ChooseFamilyAsync(string key)
    {
        if (key == Family.Key) return;
        Model.ClearInputErrors(Field);
        await SpecChanged.InvokeAsync(ModelFamilies.Get(key).Create(ExperimentTeacher));
    }

    async Task ChoosePresetAsync(string? name)
    {
        if (name is null || ModelPresets.Find(name) is not { } preset) return;
        Model.ClearInputErrors(Field);
        await SpecChanged.InvokeAsync(preset);
    }
}
