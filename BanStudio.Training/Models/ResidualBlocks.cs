using System.Text.Json.Serialization;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BanStudio.Training.Models;

/// <summary>The residual unit a <see cref="PreActResNet"/> stacks.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResidualBlock>))]
public enum ResidualBlock
{
    /// <summary><see cref="WideBasicBlock"/>: two 3x3 convolutions (Wide-ResNet).</summary>
    [JsonStringEnumMemberName("wide")] Wide,

    /// <summary><see cref="PreActBottleneck"/>: 1x1-3x3-1x1 with a 4x narrower middle (Pre-ResNet).</summary>
    [JsonStringEnumMemberName("bottleneck")] Bottleneck,
}

/// <summary>
/// Wide-ResNet's unit (Zagoruyko &amp; Komodakis 2016): BN-ReLU-3x3 conv-BN-ReLU-dropout-3x3 conv,
/// added to the input. When the width or resolution changes, a 1x1 convolution of the
/// pre-activated input carries the shortcut, as in the reference code.
/// </summary>
public sealed class WideBasicBlock : Module<Tensor, Tensor>
{
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn2;
    private readonly UniformDropout dropout;
    private readonly Conv2d conv2;
    private readonly Conv2d? shortcut;

    public WideBasicBlock(int inputChannels, int outputChannels, int stride, double dropRate, Device? device) : base(nameof(WideBasicBlock))
    {
        bn1 = BatchNorm2d(inputChannels, device: device);
        conv1 = Conv2d(inputChannels, outputChannels, 3, stride: stride, padding: 1, bias: false, device: device);
        bn2 = BatchNorm2d(outputChannels, device: device);
        dropout = new UniformDropout(dropRate);
        conv2 = Conv2d(outputChannels, outputChannels, 3, padding: 1, bias: false, device: device);
        shortcut = inputChannels == outputChannels && stride == 1
            ? null
            : Conv2d(inputChannels, outputChannels, 1, stride: stride, bias: false, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var activated = functional.relu(bn1.forward(input));
        var residual = conv1.forward(activated);
        residual = conv2.forward(dropout.forward(functional.relu(bn2.forward(residual))));
        return residual.add(shortcut is null ? input : shortcut.forward(activated), Training.KeptScalars.One);
    }
}

/// <summary>
/// The pre-activation bottleneck unit (He et al. 2016, "Identity Mappings"): BN-ReLU-1x1 conv to a
/// quarter of the output width, BN-ReLU-3x3 conv (carrying the stride), BN-ReLU-1x1 conv back to
/// the output width, added to the input; a 1x1 convolution of the pre-activated input carries the
/// shortcut when width or resolution changes. Dropout before the last convolution is off (0) in
/// the reference and available for BAN-ResNet experiments.
/// </summary>
public sealed class PreActBottleneck : Module<Tensor, Tensor>
{
    /// <summary>The output width is four times the middle width, as in the reference.</summary>
    public const int Expansion = 4;

    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn3;
    private readonly UniformDropout dropout;
    private readonly Conv2d conv3;
    private readonly Conv2d? shortcut;

    public PreActBottleneck(int inputChannels, int outputChannels, int stride, double dropRate, Device? device) : base(nameof(PreActBottleneck))
    {
        var middle = outputChannels / Expansion;
        bn1 = BatchNorm2d(inputChannels, device: device);
        conv1 = Conv2d(inputChannels, middle, 1, bias: false, device: device);
        bn2 = BatchNorm2d(middle, device: device);
        conv2 = Conv2d(middle, middle, 3, stride: stride, padding: 1, bias: false, device: device);
        bn3 = BatchNorm2d(middle, device: device);
        dropout = new UniformDropout(dropRate);
        conv3 = Conv2d(middle, outputChannels, 1, bias: false, device: device);
        shortcut = inputChannels == outputChannels && stride == 1
            ? null
            : Conv2d(inputChannels, outputChannels, 1, stride: stride, bias: false, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var activated = functional.relu(bn1.forward(input));
        var residual = conv1.forward(activated);
        residual = conv2.forward(functional.relu(bn2.forward(residual)));
        residual = conv3.forward(dropout.forward(functional.relu(bn3.forward(residual))));
        return residual.add(shortcut is null ? input : shortcut.forward(activated), Training.KeptScalars.One);
    }
}
