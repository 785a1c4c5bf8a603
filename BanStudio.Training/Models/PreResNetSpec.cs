using System.Text.Json.Serialization;
using BanStudio.Training.Data;
using static TorchSharp.torch;

namespace BanStudio.Training.Models;

/// <summary>
/// The pre-activation ResNet with bottleneck units for CIFAR (He et al. 2016, "Identity Mappings in
/// Deep Residual Networks"): a 16-channel stem and three stages of (depth-2)/9 <see cref="PreActBottleneck"/>
/// units with outputs 64, 128 and 256 wide (middles 16, 32, 64). Pre-ResNet-1001 is Table 5's baseline.
/// </summary>
public sealed record PreResNetSpec(int Depth) : ModelSpec
{
    private const int StemChannels = 16;

    [JsonIgnore] public override string DisplayName => $"Pre-ResNet-{Depth}";

    public override IReadOnlyList<SpecError> Validate() =>
        DepthRule.PreResNetBottleneck.Check(Depth) is { } depthError ? [depthError] : [];

    public ResNetLayout Layout() => new(
        ResidualBlock.Bottleneck, StemChannels, [64, 128, 256],
        DepthRule.PreResNetBottleneck.UnitsPerBlock(Depth), DropRate: 0, ClassifierInputs: 256);

    protected override BanModel Create(DataShape shape, Device? device) => new PreActResNet(DisplayName, Layout(), shape, device);
}
