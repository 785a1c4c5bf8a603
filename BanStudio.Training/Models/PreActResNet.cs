using BanStudio.Training.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BanStudio.Training.Models;

/// <summary>
/// The shape of a pre-activation residual network for CIFAR: the stem's width, three stages of
/// <see cref="UnitsPerStage"/> units (strides 1, 2, 2) with the given output widths, and the
/// classifier's input width. When the last stage is narrower or wider than the classifier input,
/// a learned linear projection maps the pooled features to it: a BAN-ResNet student with width
/// ratio 0.5 must still feed the DenseNet teacher's frozen classifier.
/// </summary>
public sealed record ResNetLayout(
    ResidualBlock Block, int StemChannels, IReadOnlyList<int> StageChannels, int UnitsPerStage,
    double DropRate, int ClassifierInputs)
{
    public bool Projects => StageChannels[^1] != ClassifierInputs;
}

/// <summary>
/// Wide-ResNet, the bottleneck Pre-ResNet and the paper's BAN-ResNets are one network: a 3x3 stem,
/// three stages of pre-activation units, a final BN-ReLU, global average pooling and a linear
/// classifier. They differ only in the unit, the widths and the stem, which <see cref="ResNetLayout"/> carries.
/// </summary>
public sealed class PreActResNet : BanModel
{
    private readonly Conv2d conv1;
    private readonly Sequential stages;
    private readonly BatchNorm2d bn;
    private readonly Linear? projection;
    private readonly Linear fc;

    public PreActResNet(string name, ResNetLayout layout, DataShape shape, Device? device) : base(name)
    {
        conv1 = Conv2d(shape.Channels, layout.StemChannels, 3, padding: 1, bias: false, device: device);
        var stageModules = new List<(string, Module<Tensor, Tensor>)>();
        var channels = layout.StemChannels;
        for (var s = 0; s < layout.StageChannels.Count; s++)
        {
            var units = new List<(string, Module<Tensor, Tensor>)>();
            for (var u = 0; u < layout.UnitsPerStage; u++)
            {
                // CIFAR stages run at 32, 16 and 8 pixels: the first unit of stages 2 and 3 halves the resolution.
                var stride = s > 0 && u == 0 ? 2 : 1;
                units.Add(($"unit{u + 1}", Unit(layout, channels, layout.StageChannels[s], stride, device)));
                channels = layout.StageChannels[s];
            }
            stageModules.Add(($"stage{s + 1}", Sequential(units)));
        }
        stages = Sequential(stageModules);
        bn = BatchNorm2d(channels, device: device);
        projection = layout.Projects ? Linear(channels, layout.ClassifierInputs, hasBias: false, device: device) : null;
        fc = Linear(layout.ClassifierInputs, shape.Classes, device: device);
        RegisterComponents();
    }

    public override Module<Tensor, Tensor> Stem => conv1;

    public override Module<Tensor, Tensor> Classifier => fc;

    public override Tensor forward(Tensor input)
    {
        var features = functional.relu(bn.forward(stages.forward(conv1.forward(Input(input)))));
        var pooled = functional.adaptive_avg_pool2d(features, 1).flatten(1);
        return Output(fc.forward(projection is null ? pooled : projection.forward(pooled)));
    }

    private static Module<Tensor, Tensor> Unit(ResNetLayout layout, int input, int output, int stride, Device? device) =>
        layout.Block switch
        {
            ResidualBlock.Wide => new WideBasicBlock(input, output, stride, layout.DropRate, device),
            ResidualBlock.Bottleneck => new PreActBottleneck(input, output, stride, layout.DropRate, device),
            _ => throw new ArgumentOutOfRangeException(nameof(layout), layout.Block, "unknown residual block"),
        };
}
