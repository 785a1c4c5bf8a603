using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Data;

/// <summary>
/// Turns a uint8 batch [B, C, H, W] into the float32 input of a network: for training, the Wide-ResNet
/// augmentation (a random crop of the image zero-padded by <see cref="Padding"/> pixels, then a random
/// horizontal flip, each drawn per sample), followed by per-channel mean/std normalisation; for testing,
/// normalisation only. Whole batches at once: the crop is one padding plus one gather with per-sample
/// row and column indices, the flip is the column index reversed where a per-sample mask says so.
/// All randomness comes from the <see cref="Generator"/> the caller passes, drawn on the CPU whatever the
/// batch's device, so saving and restoring that generator's state replays the same augmentation anywhere.
/// </summary>
public sealed class BatchTransform
{
    readonly float[] _mean;
    readonly float[] _std;

    /// <param name="mean">Per-channel mean in [0, 1] units (e.g. <see cref="ImageSplits.Mean"/>).</param>
    /// <param name="std">Per-channel standard deviation in [0, 1] units.</param>
    /// <param name="augment">Random crop and flip (training); false for evaluation.</param>
    /// <param name="padding">Zero padding on each side before cropping back to the original size.</param>
    /// <param name="flip">Random horizontal flips (off for data where left and right differ, e.g. digits).</param>
    public BatchTransform(float[] mean, float[] std, bool augment, int padding = 4, bool flip = true)
    {
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"need one mean and one std per channel (got {mean.Length} and {std.Length})");
        if (std.Any(s => !(s > 0))) throw new ArgumentException("every std must be positive", nameof(std));
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        _mean = [.. mean];
        _std = [.. std];
        Augment = augment;
        Padding = padding;
        Flip = flip;
    }

    /// <summary>Training transform for a dataset: Wide-ResNet augmentation and the dataset's own statistics.</summary>
    public static BatchTransform ForTraining(ImageSplits data) => new(data.Mean, data.Std, augment: true);

    /// <summary>Evaluation transform for a dataset: normalisation only.</summary>
    public static BatchTransform ForEvaluation(ImageSplits data) => new(data.Mean, data.Std, augment: false);

    public bool Augment { get; }
    public int Padding { get; }
    public bool Flip { get; }

    /// <summary>
    /// The network input for a uint8 batch [B, C, H, W], on the batch's device. The result belongs to the
    /// caller's dispose scope; intermediates are freed here.
    /// </summary>
    /// <param name="generator">A CPU generator; required when augmenting, ignored otherwise.</param>
    public Tensor Apply(Tensor images, Generator? generator)
    {
        if (images.dtype != ScalarType.Byte || images.dim() != 4 || images.shape[1] != _mean.Length)
            throw new ArgumentException(
                $"expected a uint8 batch [B, {_mean.Length}, H, W], got {images.dtype} [{string.Join(", ", images.shape)}]");
        using var scope = NewDisposeScope();
        var x = images;
        if (Augment && images.shape[0] > 0)
        {
            if (generator is null) throw new ArgumentNullException(nameof(generator), "augmentation needs a generator");
            x = Crop(images, generator);
        }
        return Normalize(x).MoveToOuterDisposeScope();
    }

    /// <summary>Normalisation only, whatever <see cref="Augment"/> says.</summary>
    public Tensor Normalize(Tensor images)
    {
        using var scope = NewDisposeScope();
        var shape = new long[] { 1, _mean.Length, 1, 1 };
        var mean = tensor(_mean).view(shape).to(images.device);
        var std = tensor(_std).view(shape).to(images.device);
        return images.to(ScalarType.Float32).div_(Training.KeptScalars.ByteRange).sub_(mean).div_(std).MoveToOuterDisposeScope();
    }

    Tensor Crop(Tensor images, Generator generator)
    {
        long b = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        int p = Padding;
        // Draw order is part of the contract (it fixes what a restored generator replays): rows, columns, flips.
        var top = randint(0, 2 * p + 1, [b], ScalarType.Int64, generator: generator);
        var left = randint(0, 2 * p + 1, [b], ScalarType.Int64, generator: generator);
        var flip = Flip ? rand([b], generator: generator).lt(0.5) : zeros([b], ScalarType.Bool);

        // Scalars held in fields or locals through each call (temporaries may be finalized mid-call: see Training.SGD).
        var one = Training.KeptScalars.One;
        var rows = top.unsqueeze(1).add(arange(h, ScalarType.Int64), one);        // [B, H]
        var columns = left.unsqueeze(1).add(arange(w, ScalarType.Int64), one);   // [B, W]
        columns = where(flip.unsqueeze(1), columns.flip(1), columns);             // a flip reads the columns backwards
        rows = rows.to(images.device);
        columns = columns.to(images.device);

        var padded = p == 0 ? images : nn.functional.pad(images, [p, p, p, p], TorchSharp.PaddingModes.Constant, 0);
        // One gather over each padded plane flattened: four times cheaper than a gather per axis.
        long paddedWidth = w + 2 * p;
        using var width = paddedWidth.ToScalar();
        var index = rows.unsqueeze(2).mul(width).add(columns.unsqueeze(1), one).view(b, 1, h * w).expand(b, c, h * w);
        return padded.reshape(b, c, -1).gather(2, index).view(b, c, h, w);
    }
}
