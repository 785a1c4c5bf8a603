using BanStudio.Training.Data;

namespace BanStudio.Web.Features.Datasets;

/// <summary>The dataset catalog as the training code sees it, looked up afresh on each visit (files may have arrived).</summary>
public partial class Datasets
{
    readonly DatasetCatalog catalog = DatasetCatalog.Default;
    IReadOnlyList<DatasetEntry> entries = [];

    protected override void OnInitialized() => entries = catalog.List();
}
