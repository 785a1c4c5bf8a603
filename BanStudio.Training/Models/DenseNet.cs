using BanStudio.Training.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BanStudio.Training.Models;

/// <summary>
/// One unit of a dense block: BN-ReLU-1x1 conv to 4k channels-BN-ReLU-3x3 conv to k (with the
/// bottleneck), or BN-ReLU-3x3 conv to k (without). Its k new feature maps are concatenated to its input.
/// </summary>
public sealed class DenseLayer : Module<Tensor, Tensor>
{
    // DenseNet-BC's bottleneck width is 4 times the growth rate (Huang et al., section 3).
    private const int BottleneckFactor = 4;

    private readonly Sequential layers;

    public DenseLayer(int inputChannels, int growth, bool bottleneck, Device? device) : base(nameof(DenseLayer))
    {
        layers = bottleneck
            ? Sequential(
                ("norm1", BatchNorm2d(inputChannels, device: device)),
                ("relu1", ReLU(inplace: true)),
                ("conv1", Conv2d(inputChannels, BottleneckFactor * growth, 1, bias: false, device: device)),
                ("norm2", BatchNorm2d(BottleneckFactor * growth, device: device)),
                ("relu2", ReLU(inplace: true)),
                ("conv2", Conv2d(BottleneckFactor * growth, growth, 3, padding: 1, bias: false, device: device)))
            : Sequential(
                ("norm1", BatchNorm2d(inputChannels, device: device)),
                ("relu1", ReLU(inplace: true)),
                ("conv1", Conv2d(inputChannels, growth, 3, padding: 1, bias: false, device: device)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => cat([input, layers.forward(input)], 1);
}

/// <summary>A dense block: units whose inputs are the concatenation of all earlier feature maps.</summary>
public sealed class DenseBlock : Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    public DenseBlock(DenseBlockLayout block, bool bottleneck, Device? device) : base(nameof(DenseBlock))
    {
        layers = Sequential(Enumerable.Range(0, block.Units).Select(i =>
            ($"denselayer{i + 1}", (Module<Tensor, Tensor>)new DenseLayer(block.InputChannels + i * block.Growth, block.Growth, bottleneck, device))));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => layers.forward(input);
}

/// <summary>
/// BN-ReLU-1x1 conv to the compressed width, then a 2x2 average pool. Without the pool it is the
/// compression the paper's DenseNet-90-60 family applies after the last block (see <see cref="DenseNetSpec.CompressFinalBlock"/>).
/// </summary>
public sealed class Transition : Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    public Transition(int inputChannels, int outputChannels, bool pool, Device? device) : base(nameof(Transition))
    {
        var steps = new List<(string, Module<Tensor, Tensor>)>
        {
            ("norm", BatchNorm2d(inputChannels, device: device)),
            ("relu", ReLU(inplace: true)),
            ("conv", Conv2d(inputChannels, outputChannels, 1, bias: false, device: device)),
        };
        if (pool) steps.Add(("pool", AvgPool2d(2, stride: 2)));
        layers = Sequential(steps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => layers.forward(input);
}

/// <summary>A CIFAR DenseNet built from a <see cref="DenseNetLayout"/>; see <see cref="DenseNetSpec"/>.</summary>
public sealed class DenseNet : BanModel
{
    private readonly Conv2d conv0;
    private readonly Sequential features;
    private readonly Linear classifier;

    public DenseNet(string name, DenseNetLayout layout, DataShape shape, Device? device) : base(name)
    {
        conv0 = Conv2d(shape.Channels, layout.StemChannels, 3, padding: 1, bias: false, device: device);
        var steps = new List<(string, Module<Tensor, Tensor>)>();
        for (var b = 0; b < layout.Blocks.Count; b++)
        {
            var block = layout.Blocks[b];
            steps.Add(($"denseblock{b + 1}", new DenseBlock(block, layout.Bottleneck, device)));
            if (block.TransitionChannels is { } compressed)
            {
                var last = b == layout.Blocks.Count - 1;
                steps.Add(($"transition{b + 1}", new Transition(block.OutputChannels, compressed, pool: !last, device)));
            }
        }
        // The final BN-ReLU; global average pooling (in forward) lets 28x28 inputs through as well as 32x32.
        steps.Add(("norm_final", BatchNorm2d(layout.ClassifierInputs, device: device)));
        steps.Add(("relu_final", ReLU(inplace: true)));
        features = Sequential(steps);
        classifier = Linear(layout.ClassifierInputs, shape.Classes, device: device);
        RegisterComponents();
    }

    public override Module<Tensor, Tensor> Stem => conv0;

    public override Module<Tensor, Tensor> Classifier => classifier;

    public override Tensor forward(Tensor input)
    {
        var pooled = functional.adaptive_avg_pool2d(features.forward(conv0.forward(Input(input))), 1);
        return Output(classifier.forward(pooled.flatten(1)));
    }
}
