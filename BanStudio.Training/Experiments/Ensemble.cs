using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Experiments;

/// <summary>
/// Born-Again Network Ensemble, Eq. (4): the prediction is the average of the members' softmax
/// outputs, f^k(x) = sum_i f(x, theta_i) / k. Evaluated on the test split without augmentation.
/// </summary>
public static class Ensemble
{
    public static TestScore Evaluate(IReadOnlyList<BanModel> members, ImageSplits data, Device device, int batchSize = 500)
    {
        if (members.Count == 0) throw new ArgumentException("an ensemble needs at least one member", nameof(members));
        foreach (var m in members) { m.to(device); m.eval(); }
        return TestScore.Evaluate(data, device, batchSize, x => AverageSoftmax(members, x).clamp_min(1e-12).log());
    }

    /// <summary>Eq. (4) on one batch.</summary>
    public static Tensor AverageSoftmax(IReadOnlyList<BanModel> members, Tensor x)
    {
        Tensor? sum = null;
        foreach (var member in members)
        {
            var p = nn.functional.softmax(member.forward(x), 1);
            sum = sum is null ? p : sum.add_(p);
        }
        return sum!.div_(members.Count);
    }
}
