using BanStudio.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Training;

/// <summary>
/// The test-time pass over one split, shared by every measurement of a trained predictor (test score, outputs
/// profile): images only normalised (no augmentation), in order, in batches of at most <c>batchSize</c> moved to the
/// device, under no-grad, each batch in its own dispose scope so that what the callback makes is freed with it.
/// </summary>
public static class EvaluationBatches
{
    /// <summary>Calls <paramref name="batch"/> with (normalised images, labels) of each batch of <paramref name="split"/>.</summary>
    public static void ForEach(ImageSplits data, ImageDataset split, Device device, int batchSize, Action<Tensor, Tensor> batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var transform = BatchTransform.ForEvaluation(data);
        using var _ = no_grad();
        for (int start = 0; start < split.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, split.Count - start);
            var x = transform.Apply(split.Images.narrow(0, start, count).to(device), null);
            var y = split.Labels.narrow(0, start, count).to(device);
            batch(x, y);
        }
    }
}
