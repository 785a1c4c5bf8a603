using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Language;

/// <summary>
/// The softmax layer of a weight-tied language model (Press &amp; Wolf 2016, Inan et al. 2017): logits = h E^T + b,
/// with E the input embedding's own weight tensor, not a copy, so one update moves both. Only the bias is a
/// parameter of this module; the weight is reached through a delegate so it is not registered twice.
/// </summary>
public sealed class TiedDecoder : nn.Module<Tensor, Tensor>
{
    readonly Func<Tensor> _weight;
    readonly TorchSharp.Modules.Parameter bias;

    public TiedDecoder(Func<Tensor> weight, long vocabulary, Device? device) : base(nameof(TiedDecoder))
    {
        _weight = weight;
        bias = new TorchSharp.Modules.Parameter(zeros(vocabulary, device: device));
        RegisterComponents();
    }

    public Tensor Weight => _weight();
    public Tensor Bias => bias;

    public override Tensor forward(Tensor hidden) => nn.functional.linear(hidden, _weight(), bias);
}
