using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Data;

/// <summary>What a model must adapt to: input channels (1 or 3), square image size, class count.</summary>
public sealed record DataShape(int Channels, int ImageSize, int Classes)
{
    public override string ToString() => $"{Channels}x{ImageSize}x{ImageSize}, {Classes} classes";
}

/// <summary>
/// One split of an image dataset held in memory: images as uint8 [N, C, H, W] and labels as int64 [N].
/// Batches are converted to float, normalised and augmented on the fly by <see cref="BatchTransform"/>.
/// </summary>
public sealed class ImageDataset : IDisposable
{
    public ImageDataset(string name, Tensor images, Tensor labels, int classes)
    {
        if (images.dtype != ScalarType.Byte || images.dim() != 4)
            throw new ArgumentException($"images must be uint8 [N,C,H,W], got {images.dtype} {string.Join('x', images.shape)}");
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException("labels must be int64 [N] with one label per image");
        if (images.shape[2] != images.shape[3])
            throw new ArgumentException("images must be square");
        Name = name;
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        Shape = new DataShape((int)images.shape[1], (int)images.shape[2], classes);
    }

    public string Name { get; }
    public Tensor Images { get; }
    public Tensor Labels { get; }
    public DataShape Shape { get; }
    public int Count => (int)Images.shape[0];

    /// <summary>
    /// The images (uint8) and labels at <paramref name="indices"/>, on <paramref name="device"/> (default: where
    /// the dataset is). Call it inside the step's dispose scope: the tensors belong to the caller's scope.
    /// </summary>
    public (Tensor Images, Tensor Labels) Batch(ReadOnlySpan<long> indices, Device? device = null)
    {
        using var index = torch.tensor(indices.ToArray());
        var images = Images.index_select(0, index);
        var labels = Labels.index_select(0, index);
        if (device is null || device.type == Images.device.type && device.index == Images.device.index) return (images, labels);
        using (images)
        using (labels)
            return (images.to(device), labels.to(device));
    }

    /// <summary>A new dataset holding copies of the images at <paramref name="indices"/>, in that order.</summary>
    public ImageDataset Subset(IReadOnlyList<long> indices, string? name = null)
    {
        using var scope = torch.NewDisposeScope();
        using var index = torch.tensor(indices.ToArray());
        return new ImageDataset(name ?? Name, Images.index_select(0, index), Labels.index_select(0, index), Shape.Classes);
    }

    /// <summary>How many images each class has (index = label).</summary>
    public long[] ClassCounts()
    {
        using var counts = Labels.bincount(null, Shape.Classes);
        return counts.data<long>().ToArray();
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>A dataset's train and test splits with the per-channel statistics used to normalise them.</summary>
public sealed class ImageSplits(string name, ImageDataset train, ImageDataset test, IReadOnlyList<string> classNames,
    float[] mean, float[] std, string? location = null) : IDisposable
{
    /// <summary>
    /// Splits whose normalisation statistics are computed from <paramref name="train"/>'s images
    /// (see <see cref="ChannelStatistics"/>). Takes ownership of both datasets.
    /// </summary>
    public static ImageSplits WithTrainStatistics(string name, ImageDataset train, ImageDataset test,
        IReadOnlyList<string> classNames, string? location = null)
    {
        var (mean, std) = ChannelStatistics.Compute(train.Images);
        return new ImageSplits(name, train, test, classNames, mean, std, location);
    }

    public string Name { get; } = name;
    public ImageDataset Train { get; } = train;
    public ImageDataset Test { get; } = test;
    public IReadOnlyList<string> ClassNames { get; } = classNames;
    /// <summary>Per-channel mean of the training images, in [0,1] units.</summary>
    public float[] Mean { get; } = mean;
    /// <summary>Per-channel standard deviation of the training images, in [0,1] units.</summary>
    public float[] Std { get; } = std;
    public DataShape Shape => Train.Shape;
    /// <summary>The folder the files were read from; null for the built-in dataset.</summary>
    public string? Location { get; } = location;

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
