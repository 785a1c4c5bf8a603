using BanStudio.Training.Models;
using Microsoft.AspNetCore.Components;

namespace BanStudio.Web.Features.Experiments.Wizard.Editors;

/// <summary>
/// The hyperparameter inputs of one family. Every editor takes the same parameters, so
/// <see cref="ModelEditor"/> can show whichever <see cref="ModelFamily.Editor"/> the spec's family names.
/// An edit hands a new record up through <see cref="SpecChanged"/>; errors come from the spec's own validation.
/// </summary>
public abstract class ModelEditorBase<TSpec> : ComponentBase where TSpec : ModelSpec
{
    [Parameter, EditorRequired] public ModelSpec Spec { get; set; } = null!;
    [Parameter] public EventCallback<ModelSpec> SpecChanged { get; set; }
    /// <summary>The spec's JSON path ("teacher", "student", "student.teacher"): error fields and test ids start with it.</summary>
    [Parameter, EditorRequired] public string Field { get; set; } = "";
    [Parameter, EditorRequired] public WizardModel Model { get; set; } = null!;
    /// <summary>The experiment's teacher when it is a DenseNet and this edits a student: what a BAN-ResNet matches.</summary>
    [Parameter] public DenseNetSpec? ExperimentTeacher { get; set; }

    protected TSpec Typed => (TSpec)Spec;

    protected Task Set(TSpec spec) => SpecChanged.InvokeAsync(spec);

    protected string TestId(string name) => $"{Field.Replace('.', '-')}-{name}";

    /// <summary>Parses a typed list; on failure records an input error and leaves the spec as it is.</summary>
    protected Task SetList<T>(string name, string? text, Func<T[]?, TSpec> apply, string example) where T : IParsable<T>
    {
        string field = $"{Field}.{name}";
        if (string.IsNullOrWhiteSpace(text))
        {
            Model.SetInputError(field, null);
            return Set(apply(null));
        }
        if (ListText.Parse<T>(text) is not { } items)
        {
            Model.SetInputError(field, $"write numbers separated by commas, e.g. {example}, or leave it empty");
            return Task.CompletedTask;
        }
        Model.SetInputError(field, null);
        return Set(apply(items));
    }
}
