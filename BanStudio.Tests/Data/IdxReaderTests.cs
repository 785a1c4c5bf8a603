using BanStudio.Training.Data;
using static BanStudio.Tests.Data.OfficialFormats;

namespace BanStudio.Tests.Data;

/// <summary>A fact that runs only where Debian's dataset-fashion-mnist package is installed.</summary>
public sealed class RequiresFashionMnistFactAttribute : FactAttribute
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    public RequiresFashionMnistFactAttribute()
    {
        if (!File.Exists(Path.Combine(Folder, "train-images-idx3-ubyte.gz")))
            Skip = $"Fashion-MNIST is not installed in {Folder} (apt-get install dataset-fashion-mnist)";
    }
}

public sealed class IdxReaderTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_files_plain_or_gzipped_put_each_byte_in_its_row_and_column(bool gzip)
    {
        WriteIdxSet(_temp.Sub("fashion-mnist"), gzip, train: 30, test: 10);

        using var data = MnistLoader.Load(_temp.Path, fashion: true);

        Assert.Equal([30L, 1, 28, 28], data.Train.Images.shape);
        Assert.Equal(10, data.Test.Count);
        foreach (var (y, x) in new[] { (0, 0), (0, 27), (27, 0), (13, 21) })
        {
            Assert.Equal(Pixel(17, 0, y, x), data.Train.Images[17, 0, y, x].item<byte>());
            Assert.Equal(Pixel(34, 0, y, x), data.Test.Images[4, 0, y, x].item<byte>());
        }
        Assert.Equal(IdxLabel(17), data.Train.Labels[17].item<long>());
        Assert.Equal(IdxLabel(34), data.Test.Labels[4].item<long>());
        Assert.Equal("Ankle boot", data.ClassNames[9]);
        Assert.Single(data.Mean);
    }

    [Fact]
    public void Mnist_is_found_in_the_torchvision_raw_layout()
    {
        WriteIdxSet(Path.Combine(_temp.Path, "MNIST", "raw"), gzip: true);

        using var data = MnistLoader.Load(_temp.Path, fashion: false);

        Assert.Equal(30, data.Train.Count);
        Assert.Equal("7", data.ClassNames[7]);
    }

    [RequiresFashionMnistFact]
    public void The_installed_Fashion_MNIST_has_60000_training_and_10000_test_images_of_28x28()
    {
        using var data = MnistLoader.Load(RequiresFashionMnistFactAttribute.Folder, fashion: true);

        Assert.Equal([60_000L, 1, 28, 28], data.Train.Images.shape);
        Assert.Equal([10_000L, 1, 28, 28], data.Test.Images.shape);
        Assert.All(data.Train.ClassCounts(), n => Assert.Equal(6_000, n));
        Assert.All(data.Test.ClassCounts(), n => Assert.Equal(1_000, n));
        // Fashion-MNIST's training mean and std are about 0.286 and 0.353.
        Assert.InRange(data.Mean[0], 0.28, 0.29);
        Assert.InRange(data.Std[0], 0.35, 0.356);
    }

    [RequiresFashionMnistFact]
    public void The_catalog_finds_the_installed_Fashion_MNIST_without_configuration()
    {
        var catalog = new DatasetCatalog([_temp.Path]);

        var entry = catalog.Find(DatasetKinds.FashionMnist);

        Assert.Equal(DatasetStatus.Available, entry.Status);
        Assert.Equal(RequiresFashionMnistFactAttribute.Folder, entry.Location);
    }
}
