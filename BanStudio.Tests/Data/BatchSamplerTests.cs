using BanStudio.Training.Data;
using static TorchSharp.torch;

namespace BanStudio.Tests.Data;

public sealed class BatchSamplerTests
{
    [Fact]
    public void An_epoch_visits_every_index_once_and_keeps_the_last_partial_batch()
    {
        var sampler = new BatchSampler(1000, 128);
        using var generator = new Generator(1);

        var batches = sampler.Epoch(generator).ToList();

        Assert.Equal(8, sampler.BatchesPerEpoch);
        Assert.Equal(8, batches.Count);
        Assert.All(batches.SkipLast(1), b => Assert.Equal(128, b.Length));
        Assert.Equal(104, batches[^1].Length);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), batches.SelectMany(b => b).Order());
    }

    [Fact]
    public void Each_epoch_is_shuffled_differently_and_a_seed_replays_the_order()
    {
        var sampler = new BatchSampler(500, 64);
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);

        var epoch1 = sampler.Epoch(g1).SelectMany(b => b).ToList();
        var epoch2 = sampler.Epoch(g1).SelectMany(b => b).ToList();
        var replay = sampler.Epoch(g2).SelectMany(b => b).ToList();

        Assert.NotEqual(Enumerable.Range(0, 500).Select(i => (long)i), epoch1);
        Assert.NotEqual(epoch1, epoch2);
        Assert.Equal(epoch1, replay);
    }

    [Fact]
    public void Without_a_generator_the_order_is_the_natural_one()
    {
        var batches = new BatchSampler(10, 4).Epoch(null).ToList();

        Assert.Equal([[0L, 1, 2, 3], [4L, 5, 6, 7], [8L, 9]], batches);
    }

    [Fact]
    public void Batches_gather_the_images_and_labels_at_their_indices()
    {
        using var data = BuiltinDataset.Generate(trainSize: 50, testSize: 10);
        using var scope = NewDisposeScope();

        var (images, labels) = data.Train.Batch([7, 3, 41]);

        Assert.Equal([3L, 3, 32, 32], images.shape);
        Assert.True(images[2].Equals(data.Train.Images[41]));
        Assert.Equal(data.Train.Labels[3].item<long>(), labels[1].item<long>());
    }
}
