using BanStudio.Training.Data;
using BanStudio.Training.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BanStudio.Tests.Models;

public class InitialisationTests
{
    private static readonly DataShape Shape = new(3, 32, 10);

    [Fact]
    public void The_same_seed_builds_identical_weights_and_another_seed_different_ones()
    {
        using var scope = NewDisposeScope();
        var spec = new BanResNetSpec(new DenseNetSpec(16, 4), ResidualBlock.Wide, 1, WidthRatio: 0.5);
        using var first = spec.Build(Shape, seed: 7);
        randn(1000); // draws from the global generator in between must not matter
        using var second = spec.Build(Shape, seed: 7);
        using var other = spec.Build(Shape, seed: 8);

        Assert.All(first.parameters().Zip(second.parameters()), pair => Assert.True(Tensors.Identical(pair.First, pair.Second)));
        Assert.Contains(first.parameters().Zip(other.parameters()), pair => !Tensors.Identical(pair.First, pair.Second));
    }

    [Fact]
    public void Convolutions_are_he_normal_with_fan_out_and_norms_and_biases_start_neutral()
    {
        using var scope = NewDisposeScope();
        using var model = new WideResNetSpec(16, 4).Build(Shape, seed: 1);
        var modules = model.modules().ToList();

        // The widest 3x3 convolution: 256 x 256 x 9 weights, std sqrt(2 / (256 * 9)) = 0.0295 for fan-out.
        var conv = modules.OfType<Conv2d>().First(c => c.in_channels == 256 && c.out_channels == 256);
        var std = conv.weight!.std().item<float>();
        Assert.InRange(std, Math.Sqrt(2.0 / (256 * 9)) * 0.98, Math.Sqrt(2.0 / (256 * 9)) * 1.02);
        Assert.InRange(conv.weight!.mean().item<float>(), -0.001, 0.001);

        Assert.All(modules.OfType<BatchNorm2d>(), bn =>
        {
            Assert.True(bn.weight!.eq(1).all().item<bool>());
            Assert.True(bn.bias!.eq(0).all().item<bool>());
        });
        var fc = modules.OfType<Linear>().Single();
        Assert.True(fc.bias!.eq(0).all().item<bool>());
        Assert.InRange(fc.weight!.abs().max().item<float>(), 0.0, 1 / Math.Sqrt(256));
    }
}

/// <summary>Tests that seed torch's global generator cannot share the process with tests drawing from it.</summary>
[CollectionDefinition(nameof(GlobalTorchGenerator), DisableParallelization = true)]
public sealed class GlobalTorchGenerator;

[Collection(nameof(GlobalTorchGenerator))]
public class GlobalSeedTests
{
    [Fact]
    public void Without_a_seed_torch_manual_seed_governs_the_weights()
    {
        using var scope = NewDisposeScope();
        var spec = new DenseNetSpec(16, 4);
        var shape = new DataShape(1, 28, 10);
        manual_seed(3);
        using var first = spec.Build(shape);
        manual_seed(3);
        using var second = spec.Build(shape);
        using var third = spec.Build(shape);

        Assert.All(first.parameters().Zip(second.parameters()), pair => Assert.True(Tensors.Identical(pair.First, pair.Second)));
        Assert.Contains(second.parameters().Zip(third.parameters()), pair => !Tensors.Identical(pair.First, pair.Second));
    }
}
