using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Models;

/// <summary>
/// Dropout (each activation zeroed with probability p, the rest scaled by 1/(1-p), identity in eval mode), its mask
/// drawn as uniform numbers compared with p. The same distribution as libtorch's <c>dropout</c>, from the same global
/// generator (so seeds and checkpoints reproduce it), but faster on the CPU: libtorch 2.10's <c>bernoulli_</c> draws
/// each element on one thread through a 64-bit draw and double arithmetic (on AMD processors it does not use MKL's
/// generator), which made dropout about 9% of Wide-ResNet-16-4's processor time, all of it serial; <c>uniform_</c> on
/// float32 takes one 32-bit draw per element and the comparison and scaling run on every thread. Measured:
/// WRN-16-4 at batch 64 on 2 cores, 114-121 to 131-134 images/s (docs/performance.md).
/// </summary>
public sealed class UniformDropout : nn.Module<Tensor, Tensor>
{
    readonly double _p;
    // Held by the module for its lifetime: temporary Scalars may be finalized during the native call (see Training.SGD).
    readonly Scalar _threshold, _scale;

    public UniformDropout(double p) : base(nameof(UniformDropout))
    {
        if (p is < 0 or >= 1 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "a dropout rate is in [0, 1)");
        _p = p;
        _threshold = p.ToScalar();
        _scale = (1 / (1 - p)).ToScalar();
    }

    public double P => _p;

    public override Tensor forward(Tensor input)
    {
        if (!training || _p == 0) return input.alias();
        using var scope = NewDisposeScope();
        var mask = empty_like(input).uniform_(0, 1);
        mask.ge_(_threshold).mul_(_scale);
        return (input * mask).MoveToOuterDisposeScope();
    }
}
