using BanStudio.Training.Data;
using BanStudio.Training.Models;

namespace BanStudio.Training.Training;

/// <summary>One model trained with labels on one dataset: what the CLI's <c>train</c> verb reads.</summary>
public sealed record TrainSpec
{
    public required ModelSpec Model { get; init; }
    public DatasetSpec Dataset { get; init; } = new();
    public TrainingSchedule Schedule { get; init; } = new();
    public long Seed { get; init; } = 1;
    /// <summary>"cpu", "cuda", "cuda:N" or "auto" (CUDA when available, else CPU).</summary>
    public string Device { get; init; } = "cpu";

    public IReadOnlyList<SpecError> Validate()
    {
        var errors = new List<SpecError>();
        if (Model is null) errors.Add(new("model", "is required, e.g. {\"family\": \"densenet\", \"depth\": 40, \"growth\": 12}"));
        else errors.AddRange(Model.Validate().Select(e => e with { Field = "model." + e.Field }));
        if (Dataset is null) errors.Add(new("dataset", "is required, e.g. {\"kind\": \"builtin\"}"));
        else errors.AddRange(Dataset.Validate());
        if (Schedule is null) errors.Add(new("schedule", "is required"));
        else errors.AddRange(Schedule.Validate());
        // The train verb's trainer is the image one; language models train in experiments (sequence trainer).
        if (Model is Language.LanguageModelSpec)
            errors.Add(new("model", $"{Model.DisplayName} is a language model: train it with the run verb (an experiment spec, e.g. wwwroot-assets/specs/ptb-demo-builtin-text.json)"));
        if (Dataset is { IsText: true })
            errors.Add(new("dataset.kind", $"\"{Dataset.Kind}\" is a text corpus for language models: use the run verb with an lstm or cnnlstm teacher"));
        if (Seed < 0) errors.Add(new("seed", $"must be zero or positive (got {Seed})"));
        if (DeviceChoice.Check(Device) is { } deviceError) errors.Add(new("device", deviceError));
        return errors;
    }
}
