using BanStudio.Training.Data;
using static BanStudio.Tests.Data.OfficialFormats;

namespace BanStudio.Tests.Data;

public sealed class DatasetCatalogTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_builtin_dataset_comes_first_and_is_always_available()
    {
        var entries = new DatasetCatalog([_temp.Path], includeSystemFolders: false).List();

        Assert.Equal(DatasetKinds.All, entries.Select(e => e.Kind));
        Assert.True(entries[0].IsBuiltin);
        Assert.Equal(DatasetStatus.Available, entries[0].Status);
        Assert.All(entries.Skip(1), e => Assert.Equal(DatasetStatus.NotFound, e.Status));
        Assert.All(entries.Skip(1), e => Assert.True(e.CanDownload));
    }

    [Fact]
    public void A_dataset_in_any_data_root_is_available_with_its_folder()
    {
        string second = _temp.Sub("second");
        string cifar = WriteCifar100Binary(second);
        string python = WriteCifar10Python(_temp.Sub("third"));
        var catalog = new DatasetCatalog([_temp.Sub("first"), second, Path.Combine(_temp.Path, "third")], includeSystemFolders: false);

        Assert.Equal(cifar, catalog.Find(DatasetKinds.Cifar100).Location);
        Assert.Equal(python, catalog.Find(DatasetKinds.Cifar10).Location);
        Assert.Equal(DatasetStatus.NotFound, catalog.Find(DatasetKinds.Mnist).Status);
    }

    [Fact]
    public void Idx_files_loose_in_a_data_root_are_not_mistaken_for_a_dataset()
    {
        // Loose idx files could be MNIST or Fashion-MNIST: a root must name them by folder.
        WriteIdxSet(_temp.Path, gzip: true);
        var catalog = new DatasetCatalog([_temp.Path], includeSystemFolders: false);

        Assert.Null(catalog.Locate(DatasetKinds.Mnist));
        Assert.Null(catalog.Locate(DatasetKinds.FashionMnist));
    }
}
