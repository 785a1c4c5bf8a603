using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BanStudio.Training.Training;

/// <summary>
/// TorchSharp's SGD (the same options, state, parameter groups and state_dict, and the same class name, which TorchSharp
/// writes into a saved optimizer state and checks on loading: checkpoints from before and after load either way) with a
/// <see cref="step"/> that keeps every <see cref="Scalar"/> it hands to libtorch alive until libtorch is done with it.
/// <para>
/// TorchSharp 0.107's own step writes <c>grad.add(param, alpha: weight_decay)</c> and the like: each converts a double
/// into a new <see cref="Scalar"/> that nothing references once its native handle has been read, so a garbage
/// collection on another thread during the native call may finalize it and free the native scalar while libtorch
/// reads it. Seen once in the test suite (2026-12-06, an app training while 20 SignalR viewers made garbage): the
/// teacher failed with "ExternalException: Expected false to be true ... Exception raised from toFloat at
/// c10/core/Scalar.h:140" under <c>at::_ops::add_Tensor</c>, a freed scalar read as one of unknown type (dotnet/TorchSharp
/// pull requests 1434 and 1496 are about these implicit scalars). Here the scalars of a step are made once per
/// parameter group, held in locals and disposed after the group's last native call.
/// </para>
/// The arithmetic is TorchSharp's, in its order: g = grad + wd p; buf = g (first step) or momentum buf + (1 - dampening) g;
/// g = g + momentum buf (Nesterov) or buf; p = p - lr g. <c>SGDTests</c> checks the weights against
/// TorchSharp's SGD bit for bit.
/// </summary>
public sealed class SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0,
    double weightDecay = 0, bool nesterov = false)
    : TorchSharp.Modules.SGD(parameters, lr, momentum, dampening, weightDecay, nesterov, maximize: false)
{
    public override Tensor step(Func<Tensor>? closure = null) => _step<TorchSharp.Modules.SGD.ParamGroup>(group =>
    {
        var options = (TorchSharp.Modules.SGD.Options)group.Options;
        double momentum = options.momentum!.Value, dampening = options.dampening!.Value, weightDecay = options.weight_decay!.Value;
        bool nesterov = options.nesterov!.Value;
        bool maximize = options.maximize!.Value;
        double lr = options.LearningRate!.Value;
        using Scalar decay = weightDecay.ToScalar(), keep = momentum.ToScalar(), take = (1 - dampening).ToScalar(),
            rate = (maximize ? lr : -lr).ToScalar();
        foreach (var parameter in group.Parameters)
        {
            var grad = parameter.grad;
            if (grad is null) continue;
            var state = (TorchSharp.Modules.SGD.State)_state[parameter.Handle];
            if (weightDecay != 0) grad = grad.add(parameter, decay);
            if (momentum != 0)
            {
                var buffer = state.momentum_buffer;
                if (buffer is null)
                {
                    buffer = grad.clone().detach().DetachFromDisposeScope();
                    state.momentum_buffer = buffer;
                }
                else buffer.mul_(keep).add_(grad, take);
                grad = nesterov ? grad.add(buffer, keep) : buffer;
            }
            parameter.add_(grad, rate);
        }
    }, closure);
}
