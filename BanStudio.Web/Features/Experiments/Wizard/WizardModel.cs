using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;
using BanStudio.Training.Training;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>The wizard's five steps, in order.</summary>
public enum WizardStep { Dataset, Teacher, Students, Schedule, Review }

/// <summary>
/// The experiment being designed. The spec itself is the state (every input edits it with a <c>with</c>
/// expression), so what is validated, downloaded and launched is exactly what the inputs show, and the
/// only rules are <see cref="ExperimentValidation"/>'s. Besides them the model keeps input errors: text
/// that does not even parse ("1, x" in a list of seeds), which leaves the spec unchanged and blocks Next.
/// A dataset whose files are not on this machine blocks Launch only (<see cref="MissingData"/>).
/// </summary>
public sealed class WizardModel
{
    readonly Dictionary<string, string> _inputErrors = [];

    public WizardModel(ExperimentSpec spec) => Validate(spec);

    /// <summary>A small born-again experiment on the built-in data that trains on a laptop CPU in minutes.</summary>
    public static ExperimentSpec DefaultSpec => new()
    {
        Name = "my-experiment",
        Teacher = new WideResNetSpec(10, 1, DropRate: 0),
        Generations = 2,
        Treatments = [],
        Schedule = new() { Epochs = 3, BatchSize = 64, LearningRate = 0.05, Schedule = LearningRateSchedule.Cosine },
    };

    public ExperimentSpec Spec { get; private set; } = null!;

    /// <summary>The design's errors: <see cref="ExperimentValidation.Validate"/> of <see cref="Spec"/> without looking for the data's files.</summary>
    public IReadOnlyList<SpecError> SpecErrors { get; private set; } = [];

    /// <summary>
    /// What this machine lacks to run the design: the dataset's folder or files are not here. They block Launch
    /// only; the experiment can still be designed, reviewed and downloaded to run where the data is.
    /// </summary>
    public IReadOnlyList<SpecError> MissingData { get; private set; } = [];

    /// <summary>Raised after every change, so the page re-renders once per edit.</summary>
    public event Action? Changed;

    /// <summary>Input errors first (they explain why the spec did not follow an input), then the spec's own, then missing data.</summary>
    public IEnumerable<SpecError> Errors => DesignErrors.Concat(MissingData);

    /// <summary>The errors that block moving on: the inputs' and the design's.</summary>
    IEnumerable<SpecError> DesignErrors => _inputErrors.Select(e => new SpecError(e.Key, e.Value)).Concat(SpecErrors);

    /// <summary>The design is complete: its plan can be shown and its spec downloaded.</summary>
    public bool IsDesignValid => _inputErrors.Count == 0 && SpecErrors.Count == 0;

    /// <summary>It can be launched here: the design is complete and its data is on this machine.</summary>
    public bool IsValid => IsDesignValid && MissingData.Count == 0;

    public void Update(Func<ExperimentSpec, ExperimentSpec> change) => Set(change(Spec));

    /// <summary>Replaces the whole spec (an uploaded file): input errors belonged to the old inputs.</summary>
    public void Replace(ExperimentSpec spec)
    {
        _inputErrors.Clear();
        Set(spec);
    }

    /// <summary>Records (or clears, with null) that the text typed for <paramref name="field"/> does not parse.</summary>
    public void SetInputError(string field, string? message)
    {
        bool changed = message is null ? _inputErrors.Remove(field) : !_inputErrors.TryGetValue(field, out var old) || old != message;
        if (message is not null) _inputErrors[field] = message;
        if (changed) Changed?.Invoke();
    }

    /// <summary>Forgets the input errors under <paramref name="prefix"/>: its inputs were replaced (a preset, another family).</summary>
    public void ClearInputErrors(string prefix)
    {
        var stale = _inputErrors.Keys.Where(k => k == prefix || k.StartsWith(prefix + ".", StringComparison.Ordinal)).ToList();
        foreach (var key in stale) _inputErrors.Remove(key);
        if (stale.Count > 0) Changed?.Invoke();
    }

    /// <summary>The messages for exactly this field (e.g. "teacher.depth"), joined; null when it is fine.</summary>
    public string? ErrorFor(string field)
    {
        var messages = Errors.Where(e => e.Field == field).Select(e => e.Message).ToList();
        return messages.Count == 0 ? null : string.Join("; ", messages);
    }

    /// <summary>The errors that keep <paramref name="step"/> from being passed (missing data does not: it blocks Launch only).</summary>
    public IReadOnlyList<SpecError> ErrorsOf(WizardStep step) => DesignErrors.Where(e => StepOf(e.Field) == step).ToList();

    /// <summary>The step whose inputs set <paramref name="field"/>; fields no step shows land on the review.</summary>
    public static WizardStep StepOf(string field) => Root(field) switch
    {
        "dataset" => WizardStep.Dataset,
        "teacher" => WizardStep.Teacher,
        "student" or "generations" or "treatments" or "ensembles" or "ensembleIncludesTeacher" or "temperature" or "sharedStart"
            or "generationObjective" => WizardStep.Students,
        "schedule" or "seeds" or "device" => WizardStep.Schedule,
        _ => WizardStep.Review,
    };

    static string Root(string field)
    {
        int end = field.IndexOfAny(['.', '[']);
        return end < 0 ? field : field[..end];
    }

    void Set(ExperimentSpec spec)
    {
        Validate(spec);
        Changed?.Invoke();
    }

    /// <summary>
    /// The design is checked once, without the files; the missing files are what the dataset's own check adds when it
    /// looks for them (the only part of <see cref="ExperimentValidation.Validate"/> that reads the disk).
    /// </summary>
    void Validate(ExperimentSpec spec)
    {
        Spec = spec;
        SpecErrors = ExperimentValidation.Validate(spec, checkFiles: false);
        MissingData = spec.Dataset is { } dataset
            ? dataset.Validate(checkFiles: true).Except(dataset.Validate(checkFiles: false)).ToList()
            : [];
    }
}

/// <summary>Shared input settings.</summary>
public static class WizardInputs
{
    /// <summary>Typing updates the spec (and its parameter count) once it pauses this long, not per keystroke.</summary>
    public const int DebounceMs = 300;
}
