using BanStudio.Training.Data;
using BanStudio.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Experiments;

/// <summary>
/// Born-Again Network Ensemble, Eq. (4): the prediction is the average of the members' softmax
/// outputs, f^k(x) = sum_i f(x, theta_i) / k. Evaluated on the test split without augmentation.
/// </summary>
public static class Ensemble
{
    public sealed record Score(double Error, double Loss, double? Top5Error);

    public static Score Evaluate(IReadOnlyList<BanModel> members, ImageSplits data, Device device, int batchSize = 500)
    {
        if (members.Count == 0) throw new ArgumentException("an ensemble needs at least one member", nameof(members));
        foreach (var m in members) { m.to(device); m.eval(); }
        var transform = BatchTransform.ForEvaluation(data);
        var test = data.Test;
        bool top5 = test.Shape.Classes > 10;
        double nll = 0;
        long wrong = 0, wrong5 = 0;
        using var _ = no_grad();
        for (int start = 0; start < test.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, test.Count - start);
            var x = transform.Apply(test.Images.narrow(0, start, count), null).to(device);
            var y = test.Labels.narrow(0, start, count).to(device);
            var probability = AverageSoftmax(members, x);
            nll += -probability.clamp_min(1e-12).log().gather(1, y.unsqueeze(1)).sum().item<float>();
            wrong += probability.argmax(1).ne(y).sum().item<long>();
            if (top5) wrong5 += count - probability.topk(5, dim: 1).indexes.eq(y.unsqueeze(1)).any(1).sum().item<long>();
        }
        return new Score((double)wrong / test.Count, nll / test.Count, top5 ? (double)wrong5 / test.Count : null);
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
