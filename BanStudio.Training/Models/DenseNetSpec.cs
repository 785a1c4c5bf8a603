using System.Globalization;
using System.Text.Json.Serialization;
using BanStudio.Training.Data;
using static TorchSharp.torch;

namespace BanStudio.Training.Models;

/// <summary>
/// A CIFAR DenseNet (Huang et al. 2017): a 3x3 stem, three dense blocks separated by transitions
/// (BN-ReLU-1x1 conv keeping a fraction <see cref="Compression"/> of the channels, 2x2 average
/// pool), then BN-ReLU, global average pooling and the classifier. With <see cref="Bottleneck"/>
/// each unit is BN-ReLU-1x1 conv (4k)-BN-ReLU-3x3 conv (k), the "B" of DenseNet-BC; the stem then
/// has 2k channels, otherwise 16.
/// The optional members express the paper's configurations, which do not all follow the 6n+4
/// rule (see docs/models.md for how each was chosen):
/// <list type="bullet">
/// <item><see cref="UnitsPerBlock"/>: units in each of the three blocks; <see cref="Depth"/> is then only the name's depth.</item>
/// <item><see cref="GrowthPerBlock"/>: a growth rate per block (Table 4's compression variants); <see cref="Growth"/> is then only the name's growth.</item>
/// <item><see cref="TransitionCompression"/>: a compression per transition instead of <see cref="Compression"/> (three entries with <see cref="CompressFinalBlock"/>, else two).</item>
/// <item><see cref="CompressFinalBlock"/>: a third transition without pooling after the last block, so the
/// classifier sees the compressed width (the paper's DenseNet-90-60 family; it reproduces their counts).</item>
/// <item><see cref="StemChannels"/>: the stem width, when a student must keep its teacher's hidden-state sizes.</item>
/// <item><see cref="Name"/>: the paper's name for the configuration, e.g. "DenseNet-7-1-2".</item>
/// </list>
/// </summary>
public sealed record DenseNetSpec(int Depth, int Growth, double Compression = 0.5, bool Bottleneck = true) : ModelSpec
{
    public int[]? UnitsPerBlock { get; init; }
    public int[]? GrowthPerBlock { get; init; }
    public double[]? TransitionCompression { get; init; }
    public bool CompressFinalBlock { get; init; }
    public int? StemChannels { get; init; }
    public string? Name { get; init; }

    public const int Blocks = 3;

    [JsonIgnore] public override string DisplayName => Name ?? $"DenseNet-{Variant}{Depth}-{Growth}";

    private string Variant => (Bottleneck, Compression < 1) switch
    {
        (true, true) => "BC-",
        (true, false) => "B-",
        (false, true) => "C-",
        _ => "",
    };

    private DepthRule Rule => Bottleneck ? DepthRule.DenseNetBc : DepthRule.DenseNetPlain;

    private int Transitions => CompressFinalBlock ? Blocks : Blocks - 1;

    public override IReadOnlyList<SpecError> Validate()
    {
        var errors = new List<SpecError>();
        if (UnitsPerBlock is null)
        {
            if (Rule.Check(Depth, "give unitsPerBlock explicitly") is { } depthError) errors.Add(depthError);
        }
        else if (UnitsPerBlock.Length != Blocks || UnitsPerBlock.Any(u => u < 1))
        {
            errors.Add(new("unitsPerBlock", $"give {Blocks} positive unit counts, one per dense block, e.g. [14, 14, 14]"));
        }
        if (Growth < 1) errors.Add(new("growth", $"growth {Growth} must be at least 1"));
        if (GrowthPerBlock is not null && (GrowthPerBlock.Length != Blocks || GrowthPerBlock.Any(g => g < 1)))
            errors.Add(new("growthPerBlock", $"give {Blocks} positive growth rates, one per dense block"));
        if (!IsFraction(Compression))
            errors.Add(new("compression", $"compression {Format(Compression)} must be in (0, 1]: the fraction of channels a transition keeps"));
        if (TransitionCompression is not null && (TransitionCompression.Length != Transitions || !TransitionCompression.All(IsFraction)))
            errors.Add(new("transitionCompression", $"give {Transitions} fractions in (0, 1], one per transition{(CompressFinalBlock ? " including the one after the last block" : "")}"));
        if (StemChannels is < 1) errors.Add(new("stemChannels", $"stemChannels {StemChannels} must be at least 1"));
        if (errors.Count == 0 && Layout().Blocks.Any(b => b.TransitionChannels is < 1))
            errors.Add(new("compression", "a transition would keep no channels; raise the compression"));
        return errors;
    }

    /// <summary>
    /// The channel counts of every stage, for a valid spec: what <see cref="DenseNet"/> builds and
    /// what a <see cref="BanResNetSpec"/> student matches.
    /// </summary>
    public DenseNetLayout Layout()
    {
        var units = UnitsPerBlock ?? Enumerable.Repeat(Rule.UnitsPerBlock(Depth), Blocks).ToArray();
        var growths = GrowthPerBlock ?? Enumerable.Repeat(Growth, Blocks).ToArray();
        var stem = StemChannels ?? (Bottleneck ? 2 * growths[0] : 16);
        var blocks = new List<DenseBlockLayout>();
        var channels = stem;
        for (var b = 0; b < Blocks; b++)
        {
            var output = channels + units[b] * growths[b];
            int? compressed = b < Transitions
                ? (int)Math.Floor(output * (TransitionCompression?[b] ?? Compression))
                : null;
            blocks.Add(new DenseBlockLayout(units[b], growths[b], channels, output, compressed));
            channels = compressed ?? output;
        }
        return new DenseNetLayout(stem, blocks, Bottleneck);
    }

    protected override BanModel Create(DataShape shape, Device? device) => new DenseNet(DisplayName, Layout(), shape, device);

    public bool Equals(DenseNetSpec? other) =>
        other is not null && Depth == other.Depth && Growth == other.Growth && Compression.Equals(other.Compression)
        && Bottleneck == other.Bottleneck && SameItems(UnitsPerBlock, other.UnitsPerBlock)
        && SameItems(GrowthPerBlock, other.GrowthPerBlock) && SameItems(TransitionCompression, other.TransitionCompression)
        && CompressFinalBlock == other.CompressFinalBlock && StemChannels == other.StemChannels && Name == other.Name;

    public override int GetHashCode() => HashCode.Combine(Depth, Growth, Compression, Bottleneck, CompressFinalBlock, StemChannels, Name);

    // Records compare arrays by reference; a spec read back from JSON must equal the one written.
    private static bool SameItems<T>(T[]? a, T[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);

    private static bool IsFraction(double value) => value > 0 && value <= 1;

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One dense block: its units and growth, channels in and out, and the width its transition keeps (null: none).</summary>
public sealed record DenseBlockLayout(int Units, int Growth, int InputChannels, int OutputChannels, int? TransitionChannels)
{
    /// <summary>The hidden-state width this stage hands on: after the transition's 1x1 conv where there is one.</summary>
    public int StageChannels => TransitionChannels ?? OutputChannels;
}

/// <summary>The stem width and the three dense blocks of a DenseNet.</summary>
public sealed record DenseNetLayout(int StemChannels, IReadOnlyList<DenseBlockLayout> Blocks, bool Bottleneck)
{
    /// <summary>The width of the features the classifier reads.</summary>
    public int ClassifierInputs => Blocks[^1].StageChannels;
}
