using System.Globalization;

namespace BanStudio.Training.Models;

/// <summary>
/// The CIFAR architectures name a network by its depth, and only depths of the form
/// <c>Step * n + Offset</c> (n units per block, n &gt;= 1) build the three equal blocks the name
/// promises. A depth off the rule is a typo or a paper shorthand; either way the researcher needs
/// the two depths that do fit, not a silently rounded network.
/// </summary>
internal sealed record DepthRule(string Architecture, int Step, int Offset)
{
    public static readonly DepthRule DenseNetBc = new("DenseNet-BC", 6, 4);
    public static readonly DepthRule DenseNetPlain = new("DenseNet (no bottleneck)", 3, 4);
    public static readonly DepthRule WideResNet = new("Wide-ResNet", 6, 4);
    public static readonly DepthRule PreResNetBottleneck = new("bottleneck Pre-ResNet", 9, 2);

    private int Smallest => Step + Offset;

    public bool Fits(int depth) => depth >= Smallest && (depth - Offset) % Step == 0;

    public int UnitsPerBlock(int depth) => (depth - Offset) / Step;

    /// <summary>The error for <paramref name="depth"/> on the JSON field "depth", or null when it fits.</summary>
    public SpecError? Check(int depth, string? alternative = null)
    {
        if (Fits(depth)) return null;
        var below = depth - (depth - Offset) % Step;
        var nearest = depth < Smallest
            ? $"the smallest valid depth is {Smallest}"
            : $"nearest valid depths are {below} and {below + Step}";
        var rule = string.Create(CultureInfo.InvariantCulture, $"{Step}n+{Offset}");
        var message = $"depth {depth} does not fit {Architecture}'s {rule} rule; {nearest}";
        return new SpecError("depth", alternative is null ? message : $"{message}, or {alternative}");
    }
}
