using BanStudio.Training.Data;
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

    static string Location(DatasetEntry entry) => entry switch
    {
        { IsBuiltin: true } => "made in memory from a seed",
        { Location: { } folder } => folder,
        _ => entry.CanDownload ? "not installed; the Datasets page can download it where a network exists" : "not installed",
    };

    void Set(DatasetSpec dataset) => Model.Update(s => s with { Dataset = dataset });

    /// <summary>Another kind keeps the limits (they still mean "at most"), drops what only the built-in data has.</summary>
    void Choose(string? kind)
    {
        if (kind is null || kind == Dataset.Kind) return;
        Model.ClearInputErrors("dataset");
        Set(new DatasetSpec(kind, TrainLimit: Dataset.TrainLimit, TestLimit: Dataset.TestLimit, LimitMode: Dataset.LimitMode));
    }
}
