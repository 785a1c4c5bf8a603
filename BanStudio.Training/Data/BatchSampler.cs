using static TorchSharp.torch;

namespace BanStudio.Training.Data;

/// <summary>
/// The order of one epoch's mini-batches: a fresh permutation per epoch from the caller's generator
/// (or the natural order for evaluation), cut into batches of <see cref="BatchSize"/>, the last partial
/// batch kept. Yields plain index arrays, no tensors, so nothing is allocated outside the caller's
/// per-step dispose scope; pass them to <see cref="ImageDataset.Batch"/> inside it:
/// <code>
/// foreach (var indices in sampler.Epoch(generator))
/// {
///     using var scope = torch.NewDisposeScope();
///     var (images, labels) = data.Train.Batch(indices);
///     var x = transform.Apply(images, generator).to(device);
///     ...
/// }
/// </code>
/// </summary>
public sealed class BatchSampler
{
    public BatchSampler(int count, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Count = count;
        BatchSize = batchSize;
    }

    public int Count { get; }
    public int BatchSize { get; }
    public int BatchesPerEpoch => (Count + BatchSize - 1) / BatchSize;

    /// <summary>
    /// One epoch's batches. With a generator the order is <c>randperm(Count, generator)</c>, drawn when the
    /// enumeration starts (so augmentation draws that follow come after it in the generator's stream);
    /// without one the order is 0, 1, 2, ...
    /// </summary>
    public IEnumerable<long[]> Epoch(Generator? generator)
    {
        long[] order;
        if (generator is null) order = Enumerable.Range(0, Count).Select(i => (long)i).ToArray();
        else
        {
            using var permutation = randperm(Count, ScalarType.Int64, generator: generator);
            order = permutation.data<long>().ToArray();
        }
        for (int start = 0; start < Count; start += BatchSize)
            yield return order[start..Math.Min(start + BatchSize, Count)];
    }
}
