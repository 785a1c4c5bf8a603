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
        var test = data.Test;
        bool top5 = false; // reported when the predictor ranks more than 10 classes
        // Sums on the device, read once at the end: no wait for the device after every batch.
        using var nll = zeros([], ScalarType.Float64, device);
        using var wrong = zeros([], ScalarType.Int64, device);
        using var right5 = zeros([], ScalarType.Int64, device);
        EvaluationBatches.ForEach(data, test, device, batchSize, (x, y) =>
        {
            var logP = logProbabilities(x);
            nll.sub_(logP.gather(1, y.unsqueeze(1)).sum());
            wrong.add_(logP.argmax(1).ne(y).sum());
            top5 = logP.shape[1] > 10;
            if (top5) right5.add_(logP.topk(5, dim: 1).indexes.eq(y.unsqueeze(1)).any(1).sum());
        });
        double n = test.Count;
        return new TestScore(nll.item<double>() / n, wrong.item<long>() / n, top5 ? (n - right5.item<long>()) / n : null);
    }
}
