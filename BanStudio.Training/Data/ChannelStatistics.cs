using static TorchSharp.torch;

namespace BanStudio.Training.Data;

/// <summary>
/// Per-channel mean and standard deviation of uint8 images, in [0, 1] units, over every pixel of every
/// image (population std). On the full CIFAR-10 training set this gives the commonly published
/// (0.4914, 0.4822, 0.4465) and (0.2470, 0.2435, 0.2616); we always compute rather than hard-code, so a
/// user's copy, a built-in dataset and Fashion-MNIST are all normalised the same way.
/// </summary>
public static class ChannelStatistics
{
    /// <summary>Images converted to float64 at a time; bounds the temporary memory to ~100 MB.</summary>
    const long ChunkPixels = 12_000_000;

    public static (float[] Mean, float[] Std) Compute(Tensor images)
    {
        if (images.dtype != ScalarType.Byte || images.dim() != 4)
            throw new ArgumentException($"images must be uint8 [N,C,H,W], got {images.dtype} [{string.Join(", ", images.shape)}]");
        long n = images.shape[0], channels = images.shape[1];
        if (n == 0) throw new ArgumentException("cannot compute statistics of an empty dataset");
        long pixelsPerImage = images.shape[1] * images.shape[2] * images.shape[3];
        long chunk = Math.Max(1, ChunkPixels / pixelsPerImage);

        var sum = new double[channels];
        var sumSquares = new double[channels];
        using (NewDisposeScope())
        {
            for (long start = 0; start < n; start += chunk)
            {
                using var scope = NewDisposeScope();
                var x = images.narrow(0, start, Math.Min(chunk, n - start)).to(ScalarType.Float64).div_(255.0);
                var s = x.sum([0, 2, 3]).data<double>().ToArray();
                var q = x.square().sum([0, 2, 3]).data<double>().ToArray();
                for (int c = 0; c < channels; c++) { sum[c] += s[c]; sumSquares[c] += q[c]; }
            }
        }
        double count = (double)n * images.shape[2] * images.shape[3];
        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double m = sum[c] / count;
            mean[c] = (float)m;
            // Clamp: a constant channel has variance 0 (and rounding may make it slightly negative).
            std[c] = (float)Math.Sqrt(Math.Max(sumSquares[c] / count - m * m, 1e-12));
        }
        return (mean, std);
    }
}
