using BanStudio.Training.Data;
using static TorchSharp.torch;

namespace BanStudio.Training.Benchmarks;

/// <summary>Random uint8 images and labels of a given shape: what a benchmark needs, without any file.</summary>
public static class SyntheticImages
{
    public static ImageSplits Create(DataShape shape, int trainCount, int testCount, ulong seed = 1)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed);
        ImageDataset Split(string name, int count) => new(name,
            randint(0, 256, [count, shape.Channels, shape.ImageSize, shape.ImageSize], ScalarType.Byte, generator: generator),
            randint(0, shape.Classes, [count], ScalarType.Int64, generator: generator), shape.Classes);
        var mean = Enumerable.Repeat(0.5f, shape.Channels).ToArray();
        var std = Enumerable.Repeat(0.29f, shape.Channels).ToArray(); // a uniform byte's standard deviation in [0,1] units
        return new ImageSplits("synthetic", Split("train", trainCount), Split("test", testCount),
            Enumerable.Range(0, shape.Classes).Select(i => $"class {i}").ToArray(), mean, std);
    }
}
