using BanStudio.Training.Data;
using BanStudio.Training.Language;

namespace BanStudio.Web.Features.Datasets;

/// <summary>The dataset catalog as the training code sees it, looked up afresh on each visit (files may have arrived).</summary>
public partial class Datasets
{
    readonly DatasetCatalog catalog = DatasetCatalog.Default;
    IReadOnlyList<DatasetEntry> entries = [];

    protected override void OnInitialized() => entries = [.. catalog.List(), .. TextDatasetEntries.List(catalog)];

    static bool IsText(DatasetEntry entry) => TextDatasets.IsText(entry.Kind);

    IEnumerable<string> SearchFolders(DatasetEntry entry) =>
        IsText(entry) ? TextDatasetEntries.SearchFolders(catalog) : catalog.SearchFolders(entry.Kind);

    /// <summary>What a reader of PTB results must know: a folder with only the partial training file is not the paper's data.</summary>
    static string? Note(DatasetEntry entry) =>
        entry.Kind == TextDatasets.Ptb && entry.Location is { } folder && PtbFolder.TrainPath(folder) is { } train
            && Path.GetFileName(train) == PtbFolder.PartialTrainFile
            ? $"partial training file ({PtbFolder.PartialTrainFile}); results are not comparable with Table 6"
            : null;
}
