using BanStudio.Training.Data;
using static TorchSharp.torch;

namespace BanStudio.Tests.Data;

public sealed class BuiltinDatasetTests
{
    [Fact]
    public void The_same_seed_gives_identical_bytes_and_another_seed_different_ones()
    {
        using var a = BuiltinDataset.Generate(seed: 7, trainSize: 300, testSize: 100);
        using var b = BuiltinDataset.Generate(seed: 7, trainSize: 300, testSize: 100);
        using var c = BuiltinDataset.Generate(seed: 8, trainSize: 300, testSize: 100);

        Assert.True(a.Train.Images.Equals(b.Train.Images));
        Assert.True(a.Train.Labels.Equals(b.Train.Labels));
        Assert.True(a.Test.Images.Equals(b.Test.Images));
        Assert.Equal(a.Mean, b.Mean);
        Assert.False(a.Train.Images.Equals(c.Train.Images));
        Assert.False(a.Test.Labels.Equals(c.Test.Labels));
    }

    [Fact]
    public void Images_are_32x32_rgb_uint8_with_ten_named_classes()
    {
        using var data = BuiltinDataset.Generate(trainSize: 200, testSize: 50);

        Assert.Equal([200L, 3, 32, 32], data.Train.Images.shape);
        Assert.Equal(ScalarType.Byte, data.Train.Images.dtype);
        Assert.Equal(new DataShape(3, 32, 10), data.Shape);
        Assert.Equal(10, data.ClassNames.Distinct().Count());
        Assert.Null(data.Location);
    }

    [Theory]
    [InlineData(5_000)]
    [InlineData(1_003)]
    public void Classes_are_balanced_to_within_one_image(int trainSize)
    {
        using var data = BuiltinDataset.Generate(seed: 1, trainSize: trainSize, testSize: 100);

        var counts = data.Train.ClassCounts();
        Assert.Equal(trainSize, counts.Sum());
        Assert.InRange(counts.Max() - counts.Min(), 0, 1);
        Assert.All(data.Test.ClassCounts(), n => Assert.Equal(10, n));
    }

    [Fact]
    public void Labels_are_shuffled_not_in_class_order()
    {
        using var data = BuiltinDataset.Generate(trainSize: 100, testSize: 10);

        var labels = data.Train.Labels.data<long>().ToArray();
        Assert.NotEqual(Enumerable.Range(0, 100).Select(i => (long)(i % 10)), labels);
    }

    [Fact]
    public void The_test_split_does_not_change_with_the_training_size()
    {
        using var small = BuiltinDataset.Generate(seed: 3, trainSize: 100, testSize: 50);
        using var large = BuiltinDataset.Generate(seed: 3, trainSize: 400, testSize: 50);

        Assert.True(small.Test.Images.Equals(large.Test.Images));
        // ... and is drawn from its own stream, not the first training images again.
        Assert.False(small.Train.Images.narrow(0, 0, 50).Equals(small.Test.Images));
    }

    [Fact]
    public void Images_of_one_class_differ_from_each_other_and_use_the_whole_pixel_range()
    {
        using var data = BuiltinDataset.Generate(trainSize: 200, testSize: 10);

        using var scope = NewDisposeScope();
        var discs = data.Train.Images.index_select(0, data.Train.Labels.eq(0).nonzero().view(-1)).to(ScalarType.Float32);
        // Random position, scale and colours: two discs are far apart pixel by pixel.
        Assert.True((discs[0] - discs[1]).abs().mean().item<float>() > 20);
        Assert.True(data.Train.Images.min().item<byte>() < 10);
        Assert.True(data.Train.Images.max().item<byte>() > 245);
    }

    [Fact]
    public void Horizontal_and_vertical_stripes_vary_along_the_axis_their_names_say()
    {
        // Pixel noise adds the same to differences along rows and along columns, so their difference
        // isolates the drawn structure: a check that labels match what is drawn, not a shuffled stream.
        using var data = BuiltinDataset.Generate(seed: 2, trainSize: 1000, testSize: 10);
        using var scope = NewDisposeScope();
        var x = data.Train.Images.to(ScalarType.Float32);
        var alongColumns = (x.narrow(2, 1, 31) - x.narrow(2, 0, 31)).abs().mean([1, 2, 3]);
        var alongRows = (x.narrow(3, 1, 31) - x.narrow(3, 0, 31)).abs().mean([1, 2, 3]);
        var anisotropy = alongColumns - alongRows;
        double Mean(int c) => anisotropy.index_select(0, data.Train.Labels.eq(c).nonzero().view(-1)).mean().item<float>();

        Assert.True(Mean(5) > 2, $"horizontal stripes: {Mean(5):F2}");
        Assert.True(Mean(6) < -2, $"vertical stripes: {Mean(6):F2}");
        Assert.InRange(Mean(0), -1, 1);
    }
}
