using System.Collections.Concurrent;
using BanStudio.Tests.Models;
using BanStudio.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Tests.Data;

[Collection(TorchCollection.Name)]
public sealed class BatchLoaderTests : IDisposable
{
    readonly ImageSplits _data = BuiltinDataset.Generate(seed: 3, trainSize: 300, testSize: 10);

    public void Dispose() => _data.Dispose();

    BatchLoader Loader(int prefetch) => new(_data.Train, BatchTransform.ForTraining(_data), batchSize: 64, CPU, prefetch);

    [Fact]
    public void Prefetched_batches_are_the_ones_the_training_thread_would_make_and_leave_the_generator_in_the_same_state()
    {
        using var inline = Loader(prefetch: 0);
        using var ahead = Loader(prefetch: 2);
        using var g0 = new Generator(9);
        using var g2 = new Generator(9);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var expected = inline.Epoch(g0).ToList();
            var actual = ahead.Epoch(g2).ToList();
            Assert.Equal([64, 64, 64, 64, 44], actual.Select(b => b.Count));
            Assert.Equal(Enumerable.Range(0, 5), actual.Select(b => b.Index));
            for (int b = 0; b < expected.Count; b++)
            {
                Assert.True(Tensors.Identical(expected[b].Images, actual[b].Images), $"epoch {epoch + 1}, batch {b + 1}: images differ");
                Assert.True(Tensors.Identical(expected[b].Labels, actual[b].Labels), $"epoch {epoch + 1}, batch {b + 1}: labels differ");
            }
            // Every training image once per epoch: the labels of all batches are the dataset's, reordered.
            using var labels = cat(actual.Select(b => b.Labels).ToList(), 0);
            Assert.Equal(_data.Train.ClassCounts(), labels.bincount(null, 10).data<long>().ToArray());
            foreach (var batch in expected.Concat(actual)) batch.Dispose();
        }
        // What a checkpoint saves after an epoch: the producer must have drawn exactly what the inline loader drew.
        using var s0 = g0.get_state();
        using var s2 = g2.get_state();
        Assert.True(Tensors.Identical(s0, s2), "the generator states differ after two epochs");
    }

    [Fact]
    public void Leaving_an_epoch_early_stops_the_producer_and_frees_the_batches_it_made_ahead()
    {
        // Every batch the producer makes is watched, so the check does not depend on what other tests running at the
        // same time allocate (a count of all live tensors in the process did, and failed once in CI).
        var made = new ConcurrentQueue<Batch>();
        using var loader = new BatchLoader(_data.Train, BatchTransform.ForTraining(_data), batchSize: 64, CPU, prefetch: 3) { BatchMade = made.Enqueue };
        using var generator = new Generator(1);
        foreach (var batch in loader.Epoch(generator))
        {
            // The producer makes all 5 batches of the epoch: the one handed out, 3 waiting in the queue and the last
            // blocked on the full queue, so both ways of freeing what was made ahead are exercised.
            Assert.True(SpinWait.SpinUntil(() => made.Count == loader.BatchesPerEpoch, TimeSpan.FromSeconds(30)), $"{made.Count} batches made");
            batch.Dispose();
            break; // as the trainer does on cancellation or a NaN loss
        }
        Assert.Equal(5, made.Count);
        Assert.All(made, b => Assert.True(b.IsDisposed, $"batch {b.Index} was not freed"));
    }

    [Fact]
    public void Cancelling_ends_the_epoch_short()
    {
        using var loader = Loader(prefetch: 2);
        using var generator = new Generator(1);
        using var cts = new CancellationTokenSource();
        int seen = 0;
        foreach (var batch in loader.Epoch(generator, cts.Token))
        {
            batch.Dispose();
            if (++seen == 2) cts.Cancel();
        }
        Assert.InRange(seen, 2, 4); // at most the two already prepared ahead follow
        Assert.True(seen < loader.BatchesPerEpoch);
    }
}
