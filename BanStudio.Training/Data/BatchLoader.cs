using System.Collections.Concurrent;
using BanStudio.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Data;

/// <summary>One training mini-batch, ready for the network: normalised float images and int64 labels on the device.</summary>
public sealed class Batch(int index, Tensor images, Tensor labels) : IDisposable
{
    /// <summary>0-based position of the batch in its epoch.</summary>
    public int Index { get; } = index;
    public Tensor Images { get; } = images;
    public Tensor Labels { get; } = labels;
    public long Count => Labels.shape[0];

    /// <summary>Whether its tensors have been freed.</summary>
    public bool IsDisposed => Images.IsInvalid && Labels.IsInvalid;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// An epoch of training batches: the sampler's order (<c>randperm</c> from the run's generator), rows taken from
/// the uint8 dataset held on the training device, and <see cref="BatchTransform"/>'s batched crop, flip and
/// normalisation. With <c>prefetch</c> &gt; 0 the batches are prepared on a dedicated thread, that many ahead of
/// the training step, so the step never waits for data; with 0 they are prepared on the caller's thread.
/// <para>
/// The generator is used by the loader alone, in the same order either way (the permutation, then each batch's
/// crops and flips), so prefetching changes no result. An epoch's producer finishes (or is stopped and joined)
/// before the enumeration ends, so the generator's state after an epoch is exactly the state a checkpoint saves.
/// </para>
/// The last partial batch is kept: every image is seen once per epoch, as in the reference Wide-ResNet and
/// DenseNet trainers. The caller owns each <see cref="Batch"/> and disposes it (or attaches it to its step scope).
/// </summary>
public sealed class BatchLoader : IDisposable
{
    readonly ImageDataset _data;
    readonly BatchTransform _transform;
    readonly Device _device;
    readonly Tensor _images;
    readonly Tensor _labels;
    readonly bool _ownsCopies;

    public BatchLoader(ImageDataset data, BatchTransform transform, int batchSize, Device device, int prefetch = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(prefetch);
        _data = data;
        _transform = transform;
        _device = device;
        BatchSize = batchSize;
        Prefetch = prefetch;
        // The dataset as one uint8 tensor on the training device: a GPU then receives no per-batch copy at all,
        // and crops and flips run where the network does. On the CPU these are the dataset's own tensors.
        _ownsCopies = !SameDevice(data.Images.device, device);
        _images = _ownsCopies ? data.Images.to(device).DetachFromDisposeScope() : data.Images;
        _labels = _ownsCopies ? data.Labels.to(device).DetachFromDisposeScope() : data.Labels;
    }

    public int BatchSize { get; }
    public int Prefetch { get; }

    /// <summary>
    /// Sees every batch as it is made, on the thread that makes it, before anyone owns it: for diagnostics and for
    /// tests that check each one is freed (those made ahead included), whatever else the process allocates meanwhile.
    /// </summary>
    public Action<Batch>? BatchMade { get; init; }
    public int BatchesPerEpoch => (_data.Count + BatchSize - 1) / BatchSize;

    /// <summary>One epoch's batches; stop enumerating (break, exception) and the producer is stopped and joined.</summary>
    public IEnumerable<Batch> Epoch(Generator generator, CancellationToken cancellationToken = default) =>
        Prefetch == 0 ? Produce(generator, cancellationToken) : Prefetched(generator, cancellationToken);

    IEnumerable<Batch> Produce(Generator generator, CancellationToken cancellationToken)
    {
        int n = _data.Count;
        using var order = randperm(n, ScalarType.Int64, generator: generator);
        using var deviceOrder = SameDevice(order.device, _device) ? order.alias() : order.to(_device);
        for (int b = 0, start = 0; start < n; b++, start += BatchSize)
        {
            if (cancellationToken.IsCancellationRequested) yield break;
            Batch batch;
            using (var scope = NewDisposeScope())
            {
                var index = deviceOrder.narrow(0, start, Math.Min(BatchSize, n - start));
                var x = _transform.Apply(_images.index_select(0, index), generator);
                var y = _labels.index_select(0, index);
                batch = new Batch(b, x.DetachFromDisposeScope(), y.DetachFromDisposeScope());
            }
            BatchMade?.Invoke(batch);
            yield return batch;
        }
    }

    IEnumerable<Batch> Prefetched(Generator generator, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var queue = new BlockingCollection<Batch>(Prefetch);
        Exception? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                // Its few small operations gain nothing from threads, and a second OpenMP team slows the training thread's.
                TorchThreads.RunThisThreadSerially();
                foreach (var batch in Produce(generator, stop.Token))
                {
                    try { queue.Add(batch, stop.Token); }
                    catch (OperationCanceledException) { batch.Dispose(); break; }
                }
            }
            catch (Exception e) { failure = e; }
            finally { queue.CompleteAdding(); }
        }) { IsBackground = true, Name = "BanStudio batch loader" };
        producer.Start();
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable())
                yield return batch;
        }
        finally
        {
            // The consumer stopped early (cancel, NaN, exception) or the epoch ended: stop the producer, free what it
            // made ahead, and wait for it, so that nobody touches the generator once this enumeration is over.
            stop.Cancel();
            producer.Join();
            while (queue.TryTake(out var unused)) unused.Dispose();
        }
        if (failure is not null)
            throw new InvalidOperationException($"preparing a training batch failed: {failure.Message}", failure);
    }

    static bool SameDevice(Device a, Device b) => a.type == b.type && (a.type == DeviceType.CPU || a.index == b.index);

    public void Dispose()
    {
        if (!_ownsCopies) return;
        _images.Dispose();
        _labels.Dispose();
    }
}
