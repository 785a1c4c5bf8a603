using System.Globalization;
using System.Text.Json.Serialization;
using BanStudio.Training.Data;
using static TorchSharp.torch;

namespace BanStudio.Training.Models;

/// <summary>
/// A BAN-ResNet of Table 5: a residual student whose stages have the shapes of a DenseNet
/// <see cref="Teacher"/>'s, so that it can take the teacher's first convolution and classifier
/// and keep them frozen (<see cref="BanModel.CopyAndFreezeStemAndClassifier"/>). Each dense block
/// becomes <see cref="UnitsPerBlock"/> residual units of one width, "a proportion
/// (<see cref="WidthRatio"/>) of the corresponding dense block output after the 1x1 convolution,
/// before the spatial down-sampling" (section 4.1); for the paper's DenseNet-90-60 that is
/// 480, 660 and 750 channels. The stem is the teacher's stem; when the last stage is not as wide
/// as the teacher's classifier input (ratio != 1), a learned linear projection bridges the two.
/// <see cref="DropRate"/> sits between the convolutions of each unit (0.3 for Wide-ResNet units in the paper's setting).
/// </summary>
public sealed record BanResNetSpec(DenseNetSpec Teacher, ResidualBlock Block, int UnitsPerBlock, double WidthRatio = 1, double DropRate = 0) : ModelSpec
{
    /// <summary>The paper's name, e.g. "BAN-Match-Wide-ResNet-2-1"; by default derived, naming the teacher.</summary>
    public string? Name { get; init; }

    [JsonIgnore] public override string DisplayName => Name
        ?? $"BAN-{(Block == ResidualBlock.Wide ? "Wide" : "Pre")}-ResNet-{UnitsPerBlock}-{Format(WidthRatio)}/{Teacher?.DisplayName ?? "no teacher"}";

    public override IReadOnlyList<SpecError> Validate()
    {
        // JSON without a "teacher" hands the constructor a null despite the annotation.
        if (Teacher is null) return [new("teacher", "give the DenseNet spec whose stages this student matches, e.g. {\"depth\": 40, \"growth\": 12}")];
        var errors = Teacher.Validate().Select(e => e with { Field = $"teacher.{e.Field}" }).ToList();
        if (!Enum.IsDefined(Block)) errors.Add(new("block", "block must be \"wide\" or \"bottleneck\""));
        if (UnitsPerBlock < 1) errors.Add(new("unitsPerBlock", $"unitsPerBlock {UnitsPerBlock} must be at least 1"));
        if (WidthRatio <= 0) errors.Add(new("widthRatio", $"widthRatio {Format(WidthRatio)} must be positive"));
        if (DropRate is < 0 or >= 1) errors.Add(new("dropRate", $"dropRate {Format(DropRate)} must be in [0, 1)"));
        if (errors.Count == 0)
        {
            var narrowest = Layout().StageChannels.Min();
            var needed = Block == ResidualBlock.Bottleneck ? PreActBottleneck.Expansion : 1;
            if (narrowest < needed)
                errors.Add(new("widthRatio", $"widthRatio {Format(WidthRatio)} leaves a stage {narrowest} channels wide; a {Block.ToString().ToLowerInvariant()} unit needs at least {needed}"));
        }
        return errors;
    }

    /// <summary>The residual layout matched to the teacher's stages, for a valid spec.</summary>
    public ResNetLayout Layout()
    {
        var teacher = Teacher.Layout();
        var widths = teacher.Blocks.Select(b => (int)Math.Round(b.StageChannels * WidthRatio, MidpointRounding.AwayFromZero)).ToArray();
        return new ResNetLayout(Block, teacher.StemChannels, widths, UnitsPerBlock, DropRate, teacher.ClassifierInputs);
    }

    protected override BanModel Create(DataShape shape, Device? device) => new PreActResNet(DisplayName, Layout(), shape, device);

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
