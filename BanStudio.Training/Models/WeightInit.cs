using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BanStudio.Training.Models;

/// <summary>
/// The initialisation of the reference CIFAR code bases: He (Kaiming) normal with fan-out for every
/// convolution (Wide-ResNet's and fb.resnet.torch's, on which both the DenseNet and the
/// pre-activation ResNet authors built), batch norm scale 1 and shift 0, linear bias 0.
/// Linear weights keep PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)), redrawn here so that
/// every number comes from the same generator.
/// </summary>
internal static class WeightInit
{
    /// <summary>
    /// Initialises every convolution, batch norm and linear layer of <paramref name="model"/>.
    /// With a generator the weights depend on its seed only, not on whatever else has drawn from
    /// torch's global generator (other tests, data augmentation, dropout) since it was seeded.
    /// </summary>
    public static void Apply(nn.Module model, Generator? generator)
    {
        using var noGrad = no_grad();
        foreach (var module in model.modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    var fanOut = conv.out_channels * conv.kernel_size.Aggregate(1L, (a, b) => a * b);
                    conv.weight!.normal_(0, Math.Sqrt(2.0 / fanOut), generator);
                    conv.bias?.zero_();
                    break;
                case BatchNorm2d norm:
                    norm.weight!.fill_(1);
                    norm.bias!.zero_();
                    break;
                case Linear linear:
                    var bound = 1.0 / Math.Sqrt(linear.in_features);
                    linear.weight!.uniform_(-bound, bound, generator);
                    linear.bias?.zero_();
                    break;
            }
        }
    }
}
