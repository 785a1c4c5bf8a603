using BanStudio.Training.Data;
using BanStudio.Training.Models;
using static TorchSharp.torch;

namespace BanStudio.Tests.Models;

public class ParameterCountTests
{
    private static readonly DataShape Cifar10 = new(3, 32, 10);
    private static readonly DataShape Cifar100 = new(3, 32, 100);

    [Theory]
    // The reference PyTorch WRN-28-10 has 36,479,194 parameters for CIFAR-10; 100 classes add 90 x 641
    // to the classifier. WRN-28-1's figures follow from the same construction (the "0.37M"/"0.38M" quoted).
    [InlineData(10, 10, 36_479_194)]
    [InlineData(10, 100, 36_536_884)]
    [InlineData(1, 10, 369_498)]
    [InlineData(1, 100, 375_348)]
    public void Wide_resnet_28_matches_the_reference_parameter_count(int widen, int classes, long expected)
    {
        Assert.Equal(expected, new WideResNetSpec(28, widen).CountParameters(new DataShape(3, 32, classes)));
    }

    [Theory]
    // Table 1's Wide-ResNet column, to the paper's two decimals (36.5M is the WRN paper's figure for WRN-28-10).
    [InlineData(1, 0.38)]
    [InlineData(2, 1.48)]
    [InlineData(5, 9.16)]
    public void Wide_resnet_28_matches_table_1(int widen, double millions)
    {
        Assert.Equal(millions, Math.Round(new WideResNetSpec(28, widen).CountParameters(Cifar100) / 1e6, 2));
    }

    [Fact]
    public void Wide_resnet_28_10_has_36_5_million_parameters()
    {
        Assert.Equal(36.5, Math.Round(new WideResNetSpec(28, 10).CountParameters(Cifar100) / 1e6, 1));
    }

    [Fact]
    public void Pre_resnet_1001_has_about_the_10_2_million_parameters_of_table_5()
    {
        var millions = new PreResNetSpec(1001).CountParameters(Cifar100) / 1e6;
        Assert.InRange(millions, 10.2 * 0.98, 10.2 * 1.02);
    }

    [Fact]
    public void Densenet_bc_100_12_has_the_0_8_million_parameters_of_the_densenet_paper()
    {
        Assert.Equal(769_162, new DenseNetSpec(100, 12).CountParameters(Cifar10));
    }

    [Theory]
    // Table 1 is CIFAR-10; the interpretation (units per block, a compression after the last block) is in docs/models.md.
    [InlineData("DenseNet-90-60", 10, 16.1)]
    [InlineData("DenseNet-80-80", 10, 22.4)]
    [InlineData("DenseNet-80-120", 10, 50.4)]
    [InlineData("DenseNet-112-33", 10, 6.3)]
    // Table 4's depth variants of DenseNet-90-60, CIFAR-100.
    [InlineData("DenseNet-7-1-2", 100, 21.2)]
    [InlineData("DenseNet-28-1-0.5", 100, 13.7)]
    [InlineData("DenseNet-42-1-0.33", 100, 12.9)]
    [InlineData("DenseNet-56-1-0.25", 100, 12.6)]
    public void Paper_densenets_are_within_one_percent_of_the_reported_count(string preset, int classes, double millions)
    {
        var counted = ModelPresets.Get(preset).CountParameters(new DataShape(3, 32, classes)) / 1e6;
        Assert.InRange(counted, millions * 0.99, millions * 1.01);
    }

    public static TheoryData<ModelSpec> SmallSpecs() =>
    [
        new DenseNetSpec(16, 8),
        new DenseNetSpec(13, 4, Compression: 1, Bottleneck: false),
        new DenseNetSpec(40, 6) { UnitsPerBlock = [1, 2, 3], GrowthPerBlock = [4, 6, 8], TransitionCompression = [1, 0.5, 0.75], CompressFinalBlock = true, StemChannels = 10 },
        new WideResNetSpec(10, 2),
        new PreResNetSpec(11),
        new BanResNetSpec(new DenseNetSpec(16, 8) { CompressFinalBlock = true }, ResidualBlock.Wide, 2, 0.5),
        new BanResNetSpec(new DenseNetSpec(16, 8), ResidualBlock.Bottleneck, 1, 1),
    ];

    [Theory]
    [MemberData(nameof(SmallSpecs))]
    public void Counting_without_allocating_equals_the_built_models_count(ModelSpec spec)
    {
        foreach (var shape in new[] { new DataShape(3, 32, 10), new DataShape(1, 28, 7) })
        {
            using var model = spec.Build(shape);
            Assert.Equal(model.parameters().Sum(p => p.numel()), spec.CountParameters(shape));
        }
    }

    [Fact]
    public void Counting_a_90_million_parameter_network_allocates_nothing()
    {
        // On the meta device no storage exists: a real build of BAN-Wide-ResNet-4-1 would hold 345 MB of weights.
        var spec = ModelPresets.Get("BAN-Wide-ResNet-4-1");
        Assert.Equal(86_198_320, spec.CountParameters(Cifar100));
        using var shell = spec.Build(Cifar100, device: new Device(TorchSharp.DeviceType.META));
        Assert.All(shell.parameters(), p => Assert.Equal(TorchSharp.DeviceType.META, p.device_type));
    }
}
