using System.Runtime;
using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Training.Objectives;
using BanStudio.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Benchmarks;

/// <summary>
/// One epoch's memory: resident set (native and managed together); the managed heap after a full collection as
/// <see cref="GC.GetTotalMemory"/> counts it (<paramref name="ManagedBytes"/>: it also counts the 8 KiB allocation
/// quantum of each thread that allocated since, so it flickers by 8 KiB steps); the managed objects still reachable,
/// i.e. the bytes that survived a compacting full collection (<paramref name="LiveManagedBytes"/>); live tensors.
/// </summary>
public sealed record MemorySample(int Epoch, long ResidentBytes, long ManagedBytes, long LiveManagedBytes, long LiveTensors);

/// <summary>The samples and the growth from the reference epoch (2: the first after optimiser state and caches exist) to the last.</summary>
public sealed record MemoryBenchmarkResult(string Model, IReadOnlyList<MemorySample> Samples, int ReferenceEpoch)
{
    MemorySample Reference => Samples[Math.Min(ReferenceEpoch, Samples.Count) - 1];
    /// <summary>Largest resident size after the reference epoch over the reference's, minus one (0.03 = 3% more).</summary>
    public double ResidentGrowth => Samples.Skip(ReferenceEpoch).Select(s => s.ResidentBytes).DefaultIfEmpty(Reference.ResidentBytes).Max() / (double)Reference.ResidentBytes - 1;
    public double ManagedGrowth => Samples.Skip(ReferenceEpoch).Select(s => s.ManagedBytes).DefaultIfEmpty(Reference.ManagedBytes).Max() / (double)Reference.ManagedBytes - 1;
    public double LiveManagedGrowth => Samples.Skip(ReferenceEpoch).Select(s => s.LiveManagedBytes).DefaultIfEmpty(Reference.LiveManagedBytes).Max() / (double)Reference.LiveManagedBytes - 1;
    public long LiveTensorGrowth => Samples.Skip(ReferenceEpoch).Select(s => s.LiveTensors).DefaultIfEmpty(Reference.LiveTensors).Max() - Reference.LiveTensors;
}

/// <summary>
/// Trains a small born-again student (teacher forward, BAN loss, checkpoint after every epoch: every path a real
/// run takes) for many epochs on the built-in dataset and samples memory after each epoch.
/// </summary>
public static class MemoryBenchmark
{
    /// <summary>
    /// The bytes that survive a blocking, compacting collection of every generation (the large-object heap compacted
    /// too): the managed objects still reachable, without free space or allocation quanta.
    /// </summary>
    public static long LiveManagedBytes()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetGCMemoryInfo(GCKind.FullBlocking).PromotedBytes;
    }

    public static MemoryBenchmarkResult Run(ModelSpec model, int epochs, int trainSize = 640, int batchSize = 64,
        Device? device = null, Action<MemorySample>? onEpoch = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 3);
        device ??= CPU;
        using var data = BuiltinDataset.Generate(seed: 0, trainSize: trainSize, testSize: 200);
        using var student = model.Build(data.Shape, seed: 1, device);
        using var teacher = model.Build(data.Shape, seed: 2, device);
        string folder = Directory.CreateTempSubdirectory("banstudio-memory-").FullName;
        try
        {
            var samples = new List<MemorySample>();
            var trainer = new Trainer(new TrainerOptions
            {
                Model = student, Teacher = teacher, Objective = new Ban(), Data = data, Seed = 1, Device = device,
                CheckpointDirectory = folder,
                Schedule = new TrainingSchedule { Epochs = epochs, BatchSize = batchSize, LearningRate = 0.05 },
            });
            trainer.EpochCompleted += m =>
            {
                long live = Tensor.TotalCount; // before collecting: a tensor left to the finalizer still counts here
                long managed = GC.GetTotalMemory(forceFullCollection: true);
                var sample = new MemorySample(m.Epoch, ProcessMemory.Resident(), managed, LiveManagedBytes(), live);
                samples.Add(sample);
                onEpoch?.Invoke(sample);
            };
            var result = trainer.Run();
            if (result.Status != TrainingStatus.Completed) throw new InvalidOperationException($"memory benchmark training {result.Status}: {result.Reason}");
            return new MemoryBenchmarkResult(model.DisplayName, samples, ReferenceEpoch: 2);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
