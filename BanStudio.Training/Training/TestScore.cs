using BanStudio.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Training;

/// <summary>
/// Test error, loss (negative log-likelihood of the label) and top-5 error (for more than 10 classes)
/// of any predictor given as log-probabilities: one model's log-softmax or an ensemble's averaged
/// softmax (Eq. 4). Test images are only normalised, in batches, under no-grad.
/// </summary>
public sealed record TestScore(double Loss, double Error, double? Top5Error)
{
    public static TestScore Evaluate(ImageSplits data, Device device, int batchSize, Func<Tensor, Tensor> logProbabilities)
    {
        var transform = BatchTransform.ForEvaluation(data);
        var test = data.Test;
        bool top5 = false; // reported when the predictor ranks more than 10 classes
        double nll = 0;
        long wrong = 0, wrong5 = 0;
        using var _ = no_grad();
        for (int start = 0; start < test.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, test.Count - start);
            var x = transform.Apply(test.Images.narrow(0, start, count), null).to(device);
            var y = test.Labels.narrow(0, start, count).to(device);
            var logP = logProbabilities(x);
            nll -= logP.gather(1, y.unsqueeze(1)).sum().item<float>();
            wrong += logP.argmax(1).ne(y).sum().item<long>();
            top5 = logP.shape[1] > 10;
            if (top5) wrong5 += count - logP.topk(5, dim: 1).indexes.eq(y.unsqueeze(1)).any(1).sum().item<long>();
        }
        return new TestScore(nll / test.Count, (double)wrong / test.Count, top5 ? (double)wrong5 / test.Count : null);
    }
}
