using System.Diagnostics;
using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Training.Training;
using static TorchSharp.torch;

namespace BanStudio.Training.Benchmarks;

/// <summary>The optimiser's share of a step: zero_grad + step alone, on a model's real parameters with gradients present.</summary>
public static class OptimizerBenchmark
{
    /// <summary>Median milliseconds of TorchSharp's SGD (Nesterov, weight decay) zero_grad + step over <paramref name="steps"/> steps.</summary>
    public static (int Tensors, double Milliseconds) TorchSharpSgd(ModelSpec spec, DataShape shape, Device device, int steps = 50)
    {
        using var model = spec.Build(shape, seed: 1, device);
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = new BanStudio.Training.Training.SGD(parameters, 0.01, 0.9, weightDecay: 5e-4, nesterov: true);
        using (no_grad())
            foreach (var p in parameters)
                p.grad = randn_like(p).DetachFromDisposeScope();
        var times = new List<double>();
        for (int s = 0; s < steps; s++)
        {
            var clock = Stopwatch.StartNew();
            optimizer.zero_grad();
            optimizer.step();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return (parameters.Count, StepBenchmarkResult.Median(times));
    }
}
