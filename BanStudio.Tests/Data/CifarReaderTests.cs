using BanStudio.Training.Data;
using static BanStudio.Tests.Data.OfficialFormats;
using static TorchSharp.torch;

namespace BanStudio.Tests.Data;

public sealed class CifarReaderTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    static void AssertRecord(Tensor images, int index, int record)
    {
        // Corners and a middle pixel of every plane: catches swapped channels, transposed rows and columns,
        // and records shifted by the label byte(s).
        foreach (int c in new[] { 0, 1, 2 })
            foreach (var (y, x) in new[] { (0, 0), (0, 31), (31, 0), (31, 31), (5, 17) })
                Assert.Equal(Pixel(record, c, y, x), images[index, c, y, x].item<byte>());
    }

    [Fact]
    public void Cifar10_binary_puts_each_byte_in_its_channel_row_and_column_with_its_label()
    {
        WriteCifar10Binary(_temp.Path, perBatch: 20);

        using var data = CifarLoader.Load(_temp.Path, CifarVariant.Cifar10);

        Assert.Equal([100L, 3, 32, 32], data.Train.Images.shape);
        Assert.Equal(20, data.Test.Count);
        // Batches are concatenated in order 1..5: training image 57 is record 57; test image 3 is record 103.
        foreach (int i in new[] { 0, 19, 20, 57, 99 })
        {
            AssertRecord(data.Train.Images, i, i);
            Assert.Equal(Cifar10Label(i), data.Train.Labels[i].item<long>());
        }
        AssertRecord(data.Test.Images, 3, 103);
        Assert.Equal(Cifar10Label(103), data.Test.Labels[3].item<long>());
        Assert.Equal("automobile", data.ClassNames[1]);
        Assert.Equal(new DataShape(3, 32, 10), data.Shape);
    }

    [Fact]
    public void Cifar100_binary_keeps_the_fine_label_and_the_coarse_label_apart()
    {
        string dir = WriteCifar100Binary(_temp.Path, train: 60, test: 20);

        using (var records = CifarBinaryReader.Read(Path.Combine(dir, "train.bin"), CifarVariant.Cifar100, 50_000))
        {
            for (int r = 0; r < 60; r++)
            {
                Assert.Equal(Cifar100Fine(r), records.Labels[r].item<long>());
                Assert.Equal(Cifar100Coarse(r), records.CoarseLabels![r].item<long>());
            }
            AssertRecord(records.Images, 42, 42);
        }

        using var data = CifarLoader.Load(dir, CifarVariant.Cifar100);
        Assert.Equal(100, data.Shape.Classes);
        Assert.Equal(Cifar100Fine(61), data.Test.Labels[1].item<long>());
        Assert.Equal("fine7", data.ClassNames[7]);
    }

    [Fact]
    public void The_extracted_folder_and_its_parent_load_the_same_data()
    {
        string dir = WriteCifar10Binary(_temp.Path, perBatch: 10);

        using var fromParent = CifarLoader.Load(_temp.Path, CifarVariant.Cifar10);
        using var fromFolder = CifarLoader.Load(dir, CifarVariant.Cifar10);

        Assert.True(fromParent.Train.Images.Equals(fromFolder.Train.Images));
        Assert.Equal(dir, fromParent.Location);
    }

    [Fact]
    public void Cifar10_python_pickles_read_without_python_match_the_binary_version()
    {
        using var binaryFolder = new TempFolder();
        WriteCifar10Binary(binaryFolder.Path, perBatch: 20);
        string pyDir = WriteCifar10Python(_temp.Path, perBatch: 20);

        using var binary = CifarLoader.Load(binaryFolder.Path, CifarVariant.Cifar10);
        using var python = CifarLoader.Load(_temp.Path, CifarVariant.Cifar10);

        Assert.Equal(pyDir, python.Location);
        Assert.True(binary.Train.Images.Equals(python.Train.Images));
        Assert.True(binary.Train.Labels.Equals(python.Train.Labels));
        Assert.True(binary.Test.Images.Equals(python.Test.Images));
        Assert.Equal("truck", python.ClassNames[9]);
    }

    [Fact]
    public void Cifar100_python_pickles_give_fine_labels_and_coarse_labels_from_their_own_keys()
    {
        string dir = WriteCifar100Python(_temp.Path, train: 60, test: 20);

        using var records = CifarPickleReader.Read(Path.Combine(dir, "train"), CifarVariant.Cifar100);
        using var data = CifarLoader.Load(_temp.Path, CifarVariant.Cifar100);

        Assert.Equal(Cifar100Fine(11), records.Labels[11].item<long>());
        Assert.Equal(Cifar100Coarse(11), records.CoarseLabels![11].item<long>());
        AssertRecord(records.Images, 11, 11);
        Assert.Equal(Cifar100Fine(70), data.Test.Labels[10].item<long>());
        Assert.Equal("fine99", data.ClassNames[99]);
    }

    [Fact]
    public void Channel_statistics_are_those_of_the_training_images()
    {
        WriteCifar10Binary(_temp.Path, perBatch: 20);
        using var data = CifarLoader.Load(_temp.Path, CifarVariant.Cifar10);

        using var pixels = data.Train.Images.to(ScalarType.Float64).div(255);
        for (int c = 0; c < 3; c++)
        {
            var plane = pixels.select(1, c);
            Assert.Equal(plane.mean().item<double>(), data.Mean[c], 5);
            Assert.Equal(plane.std(unbiased: false).item<double>(), data.Std[c], 5);
        }
    }
}
