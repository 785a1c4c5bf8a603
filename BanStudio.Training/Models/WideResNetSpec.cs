using System.Globalization;
using System.Text.Json.Serialization;
using BanStudio.Training.Data;
using static TorchSharp.torch;

namespace BanStudio.Training.Models;

/// <summary>
/// Wide-ResNet-d-k for CIFAR (Zagoruyko &amp; Komodakis 2016): a 16-channel stem and three stages of
/// (d-4)/6 <see cref="WideBasicBlock"/> units, 16k, 32k and 64k channels wide. Dropout 0.3 between
/// the two convolutions is the reference CIFAR setting and the paper's only regulariser besides
/// weight decay for Wide-ResNets (section 4).
/// </summary>
public sealed record WideResNetSpec(int Depth, int Widen, double DropRate = 0.3) : ModelSpec
{
    private const int StemChannels = 16;

    [JsonIgnore] public override string DisplayName => $"WRN-{Depth}-{Widen}";

    public override IReadOnlyList<SpecError> Validate()
    {
        var errors = new List<SpecError>();
        if (DepthRule.WideResNet.Check(Depth) is { } depthError) errors.Add(depthError);
        if (Widen < 1) errors.Add(new("widen", $"widen {Widen} must be at least 1"));
        if (DropRate is < 0 or >= 1)
            errors.Add(new("dropRate", $"dropRate {DropRate.ToString(CultureInfo.InvariantCulture)} must be in [0, 1)"));
        return errors;
    }

    public ResNetLayout Layout() => new(
        ResidualBlock.Wide, StemChannels, [16 * Widen, 32 * Widen, 64 * Widen],
        DepthRule.WideResNet.UnitsPerBlock(Depth), DropRate, 64 * Widen);

    protected override BanModel Create(DataShape shape, Device? device) => new PreActResNet(DisplayName, Layout(), shape, device);
}
