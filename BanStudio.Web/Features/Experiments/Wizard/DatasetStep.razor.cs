using BanStudio.Training.Data;
using BanStudio.Training.Language;
using BanStudio.Training.Training;
using Microsoft.AspNetCore.Components;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>The catalog's datasets, built-in first, with their status and folder; the chosen one's sizes and limits.</summary>
public partial class DatasetStep
{
    [Parameter, EditorRequired] public WizardModel Model { get; set; } = null!;
    /// <summary>The catalog's entries in its order (built-in first).</summary>
    [Parameter, EditorRequired] public IReadOnlyList<DatasetEntry> Entries { get; set; } = [];

    DatasetSpec Dataset => Model.Spec.Dataset;

    DatasetEntry? Entry => Entries.FirstOrDefault(e => e.Kind == Dataset.Kind);

    string Unit => Dataset.IsText ? "words" : "images";

    static bool IsText(string kind) => TextDatasets.IsText(kind);

    static string Location(DatasetEntry entry) => entry switch
    {
        { IsBuiltin: true } or { Kind: TextDatasets.BuiltinText } => "made in memory from a seed",
        { Kind: TextDatasets.Ptb, Location: null } => $"not found; put {PtbFolder.Expected} in a data folder's ptb/, or give the folder below",
        { Location: { } folder } => folder,
        _ => entry.CanDownload ? $"not installed; the CLI's \"datasets --download {entry.Kind}\" fetches it where a network exists (see the Datasets page)" : "not installed",
    };

    void Set(DatasetSpec dataset) => Model.Update(s => s with { Dataset = dataset });

    /// <summary>
    /// Another kind of the same sort keeps the limits (they still mean "at most"), drops what only the built-in data
    /// has. Switching between images and text starts the teacher, student and schedule afresh for the other sort
    /// (a language model and its plateau schedule cannot train on images, nor a CNN on words).
    /// </summary>
    void Choose(string? kind)
    {
        if (kind is null || kind == Dataset.Kind) return;
        Model.ClearInputErrors("dataset");
        bool text = TextDatasets.IsText(kind);
        if (text == Dataset.IsText)
        {
            Set(new DatasetSpec(kind, TrainLimit: Dataset.TrainLimit, TestLimit: Dataset.TestLimit, LimitMode: Dataset.LimitMode));
            return;
        }
        Model.ClearInputErrors("teacher");
        Model.ClearInputErrors("student");
        Model.ClearInputErrors("schedule");
        Model.Update(s => s with
        {
            Dataset = new DatasetSpec(kind),
            Teacher = ModelFamilies.DefaultFor(text).Create(null),
            Student = null,
            Schedule = text ? LanguageSchedule : WizardModel.DefaultSpec.Schedule,
            GenerationObjective = null, // the paper's for the data: ban+l for text, ban for images
        });
    }

    /// <summary>
    /// Zaremba et al.'s LSTM schedule as the paper uses it (section 4.2): plain SGD at lr 1, x0.25 when validation
    /// perplexity does not improve, gradients clipped at norm 5; batch 20 and 3 epochs so a first run is short.
    /// </summary>
    public static TrainingSchedule LanguageSchedule => new()
    {
        Epochs = 3, BatchSize = 20, LearningRate = 1, Momentum = 0, Nesterov = false, WeightDecay = 0,
        Schedule = LearningRateSchedule.Plateau, Gamma = 0.25, ClipGradNorm = 5,
    };
}
