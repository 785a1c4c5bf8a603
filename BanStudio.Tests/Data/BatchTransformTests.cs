using BanStudio.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Tests.Data;

public sealed class BatchTransformTests
{
    static readonly float[] Mean = [0.5f, 0.25f, 0.75f];
    static readonly float[] Std = [0.25f, 0.5f, 0.125f];

    /// <summary>
    /// Images whose pixels say where they come from: channel 0 holds row + 1, channel 1 column + 1 (0 is
    /// reserved for padding), channel 2 the image's index.
    /// </summary>
    static Tensor PositionImages(int count, int size = 32)
    {
        var bytes = new byte[count * 3 * size * size];
        for (int n = 0; n < count; n++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    int at = n * 3 * size * size + y * size + x;
                    bytes[at] = (byte)(y + 1);
                    bytes[at + size * size] = (byte)(x + 1);
                    bytes[at + 2 * size * size] = (byte)(n % 256);
                }
        return tensor(bytes, [count, 3, size, size]);
    }

    /// <summary>Undoes the normalisation: back to the uint8 values the network input was made from.</summary>
    static int[,,,] Decode(Tensor output)
    {
        var mean = tensor(Mean).view(1, 3, 1, 1);
        var std = tensor(Std).view(1, 3, 1, 1);
        var bytes = (output * std + mean).mul(255).round().to(ScalarType.Int32);
        long n = bytes.shape[0], h = bytes.shape[2], w = bytes.shape[3];
        var flat = bytes.data<int>().ToArray();
        var result = new int[n, 3, h, w];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(int));
        return result;
    }

    /// <summary>The (dy, dx, flipped) that explain sample n exactly, or null when none does.</summary>
    static (int Dy, int Dx, bool Flipped)? ExplainCrop(int[,,,] out_, int n, int size = 32)
    {
        for (int dy = -4; dy <= 4; dy++)
            for (int dx = -4; dx <= 4; dx++)
                foreach (bool flipped in new[] { false, true })
                {
                    bool ok = true;
                    for (int y = 0; y < size && ok; y++)
                        for (int x = 0; x < size && ok; x++)
                        {
                            int sy = y + dy, column = (flipped ? size - 1 - x : x) + dx;
                            bool inside = sy is >= 0 and < 32 && column is >= 0 and < 32;
                            ok = out_[n, 0, y, x] == (inside ? sy + 1 : 0)
                                 && out_[n, 1, y, x] == (inside ? column + 1 : 0)
                                 && out_[n, 2, y, x] == (inside ? n % 256 : 0);
                        }
                    if (ok) return (dy, dx, flipped);
                }
        return null;
    }

    [Fact]
    public void Every_training_sample_is_its_own_image_shifted_by_at_most_4_pixels_possibly_mirrored_with_zero_padding()
    {
        using var scope = NewDisposeScope();
        var transform = new BatchTransform(Mean, Std, augment: true);
        using var generator = new Generator(11);

        var output = transform.Apply(PositionImages(64), generator);

        Assert.Equal([64L, 3, 32, 32], output.shape);
        Assert.Equal(ScalarType.Float32, output.dtype);
        var decoded = Decode(output);
        var crops = Enumerable.Range(0, 64).Select(n => ExplainCrop(decoded, n)).ToList();
        Assert.All(crops, c => Assert.NotNull(c));
        // Per-sample, not one offset for the whole batch.
        Assert.True(crops.Select(c => (c!.Value.Dy, c.Value.Dx)).Distinct().Count() > 20);
        // Padding is zero before normalisation: (0 - mean) / std after it.
        int padded = crops.FindIndex(c => c!.Value.Dy > 0);
        Assert.Equal(-Mean[0] / Std[0], output[padded, 0, 31, 0].item<float>(), 5);
    }

    [Fact]
    public void About_half_the_samples_are_flipped_and_offsets_cover_minus_4_to_4()
    {
        using var scope = NewDisposeScope();
        var transform = new BatchTransform(Mean, Std, augment: true);
        using var generator = new Generator(5);

        var decoded = Decode(transform.Apply(PositionImages(600), generator));
        var crops = Enumerable.Range(0, 600).Select(n => ExplainCrop(decoded, n)!.Value).ToList();

        Assert.InRange(crops.Count(c => c.Flipped), 240, 360);
        Assert.Equal(Enumerable.Range(-4, 9), crops.Select(c => c.Dy).Distinct().Order());
        Assert.Equal(Enumerable.Range(-4, 9), crops.Select(c => c.Dx).Distinct().Order());
    }

    [Fact]
    public void The_same_generator_state_replays_the_same_augmentation()
    {
        using var scope = NewDisposeScope();
        var transform = new BatchTransform(Mean, Std, augment: true);
        var images = PositionImages(32);
        using var generator = new Generator(3);
        transform.Apply(images, generator);
        var state = generator.get_state();

        var first = transform.Apply(images, generator);
        var next = transform.Apply(images, generator);
        generator.set_state(state);
        var replayed = transform.Apply(images, generator);

        Assert.True(first.Equals(replayed));
        Assert.False(first.Equals(next));
    }

    [Fact]
    public void The_test_transform_only_normalises_and_is_deterministic()
    {
        using var scope = NewDisposeScope();
        var transform = new BatchTransform(Mean, Std, augment: false);
        var images = PositionImages(4);

        var a = transform.Apply(images, null);
        var b = transform.Apply(images, new Generator(1));

        Assert.True(a.Equals(b));
        // Pixel (row 9, column 20) of image 3: channel values 10, 21, 3.
        Assert.Equal((10 / 255f - Mean[0]) / Std[0], a[3, 0, 9, 20].item<float>(), 5);
        Assert.Equal((21 / 255f - Mean[1]) / Std[1], a[3, 1, 9, 20].item<float>(), 5);
        Assert.Equal((3 / 255f - Mean[2]) / Std[2], a[3, 2, 9, 20].item<float>(), 5);
    }

    [Fact]
    public void Without_flips_no_sample_is_mirrored()
    {
        using var scope = NewDisposeScope();
        var transform = new BatchTransform(Mean, Std, augment: true, flip: false);

        var decoded = Decode(transform.Apply(PositionImages(100), new Generator(9)));

        Assert.All(Enumerable.Range(0, 100), n => Assert.False(ExplainCrop(decoded, n)!.Value.Flipped));
    }

    [Fact]
    public void Only_the_result_is_left_in_the_callers_dispose_scope()
    {
        var transform = new BatchTransform(Mean, Std, augment: true);
        using var images = PositionImages(8);
        using var generator = new Generator(2);
        Tensor output;

        using (var scope = NewDisposeScope())
        {
            int before = scope.DisposablesCount;
            output = transform.Apply(images, generator);
            Assert.Equal(before + 1, scope.DisposablesCount);
        }

        Assert.True(output.IsInvalid);
        Assert.False(images.IsInvalid);
    }

    [Fact]
    public void Augmentation_without_a_generator_is_refused()
    {
        var transform = new BatchTransform(Mean, Std, augment: true);
        using var images = PositionImages(2);

        Assert.Throws<ArgumentNullException>(() => transform.Apply(images, null));
    }
}
