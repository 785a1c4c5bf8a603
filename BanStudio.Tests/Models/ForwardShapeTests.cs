using BanStudio.Training.Data;
using BanStudio.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Tests.Models;

public class ForwardShapeTests
{
    /// <summary>One tiny network per family, including the paper-specific options (final compression, projection).</summary>
    public static IEnumerable<object[]> FamiliesAndShapes()
    {
        var families = new Func<ModelSpec>[]
        {
            () => new DenseNetSpec(16, 4),
            () => new DenseNetSpec(10, 4, Compression: 1, Bottleneck: false),
            () => new DenseNetSpec(90, 4) { UnitsPerBlock = [1, 1, 2], GrowthPerBlock = [4, 3, 2], TransitionCompression = [1, 0.5, 0.5], CompressFinalBlock = true, StemChannels = 8 },
            () => new WideResNetSpec(10, 1),
            () => new PreResNetSpec(11),
            () => new BanResNetSpec(new DenseNetSpec(16, 4) { CompressFinalBlock = true }, ResidualBlock.Wide, 1, 0.5, DropRate: 0.3),
            () => new BanResNetSpec(new DenseNetSpec(16, 4), ResidualBlock.Bottleneck, 1),
        };
        var shapes = new[] { (3, 32, 10), (1, 28, 10), (3, 32, 100) };
        foreach (var family in families)
            foreach (var (channels, size, classes) in shapes)
                yield return [family().DisplayName, family, channels, size, classes];
    }

    [Theory]
    [MemberData(nameof(FamiliesAndShapes))]
    public void Every_family_maps_a_batch_of_images_to_one_logit_per_class(string name, Func<ModelSpec> spec, int channels, int size, int classes)
    {
        using var scope = NewDisposeScope();
        using var model = spec().Build(new DataShape(channels, size, classes), seed: 1);
        var images = randn(2, channels, size, size);

        var logits = model.forward(images);
        model.eval();
        using (no_grad())
        {
            var evalLogits = model.forward(images);
            Assert.Equal(new long[] { 2, classes }, evalLogits.shape);
        }

        Assert.Equal(new long[] { 2, classes }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>(), $"{name} produced non-finite logits");
    }

    [Fact]
    public void Densenet_layout_follows_the_growth_and_each_transitions_compression()
    {
        var spec = new DenseNetSpec(16, 6) { CompressFinalBlock = true, TransitionCompression = [0.5, 0.75, 0.5] };
        var layout = spec.Layout();
        // Stem 2k = 12; each block of 2 units adds 12; the transitions keep half, three quarters, half.
        Assert.Equal([12, 24, 12, 24, 18, 30, 15], new[]
        {
            layout.StemChannels, layout.Blocks[0].OutputChannels, layout.Blocks[0].StageChannels, layout.Blocks[1].OutputChannels,
            layout.Blocks[1].StageChannels, layout.Blocks[2].OutputChannels, layout.Blocks[2].StageChannels,
        });
        Assert.Equal(15, layout.ClassifierInputs);
    }
}
