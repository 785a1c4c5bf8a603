using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Training;

/// <summary>
/// Everything needed to resume a training exactly after the last finished epoch: weights,
/// optimiser state (momentum buffers), the trainer's data generator, the global generator
/// (dropout), any objective generator (DKPP) and the metrics so far. One file, written to a
/// temporary name and renamed, so a crash mid-write never leaves a half checkpoint behind.
/// </summary>
public static class Checkpoint
{
    const string Magic = "BANSTUDIO-CKPT-1";
    public const string FileName = "checkpoint.bin";

    /// <param name="Precision">The model's compute format when saved (null in checkpoints from before it was recorded: float32).</param>
    public sealed record Header(string Fingerprint, int EpochsDone, List<EpochMetrics> History, double WallSeconds, Precision? Precision = null);

    /// <summary>Puts an image model in the format its checkpoint was saved in, so that the weights load as they are.</summary>
    static void Match(nn.Module model, Header header)
    {
        if (model is Models.BanModel image && header.Precision is { } precision and not Training.Precision.Float32)
            image.UsePrecision(Precisions.ScalarTypeOf(precision));
    }

    public static void Save(string path, Header header, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer,
        IReadOnlyList<Generator> generators)
    {
        using var scope = NewDisposeScope(); // the generator states read here are temporaries
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(Magic);
            WriteHeader(writer, header);
            model.save(writer);
            optimizer.save_state_dict(writer);
            WriteState(writer, random.get_rng_state());
            writer.Write(generators.Count);
            foreach (var g in generators) WriteState(writer, g.get_state());
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// The header as BinaryWriter.Write(string) would write its JSON (7-bit length, UTF-8), serialised through a stream:
    /// System.Text.Json then rents one buffer of its default size whatever the history's length, where serialising to a
    /// string rents one as large as the whole text (16, 32, 64 KiB... as epochs accumulate), and the shared pool keeps
    /// each size it has handed out.
    /// </summary>
    static void WriteHeader(BinaryWriter writer, Header header)
    {
        using var json = new MemoryStream();
        JsonSerializer.Serialize(json, header);
        writer.Write7BitEncodedInt(checked((int)json.Length));
        writer.Write(json.GetBuffer(), 0, (int)json.Length);
    }

    /// <summary>Reads only the header (no tensors), e.g. to show progress or decide whether to resume.</summary>
    public static Header? ReadHeader(string path)
    {
        if (!File.Exists(path)) return null;
        using var reader = new BinaryReader(File.OpenRead(path));
        return ReadHeader(reader, path);
    }

    /// <summary>Restores a checkpoint into a freshly built model and optimiser with the same shapes.</summary>
    public static Header Load(string path, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer, IReadOnlyList<Generator> generators)
    {
        // No dispose scope here: the optimiser keeps the momentum buffers it reads.
        using var reader = new BinaryReader(File.OpenRead(path));
        var header = ReadHeader(reader, path);
        Match(model, header);
        model.load(reader);
        optimizer.load_state_dict(reader);
        using (var global = ReadState(reader)) random.set_rng_state(global);
        int count = reader.ReadInt32();
        if (count != generators.Count)
            throw new InvalidDataException($"{path}: holds {count} generator states, expected {generators.Count}");
        foreach (var g in generators)
        {
            using var state = ReadState(reader);
            g.set_state(state);
        }
        return header;
    }

    /// <summary>Loads only the weights (e.g. a finished teacher that a student learns from).</summary>
    public static Header LoadWeights(string path, nn.Module model)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var header = ReadHeader(reader, path);
        Match(model, header);
        model.load(reader);
        return header;
    }

    static Header ReadHeader(BinaryReader reader, string path)
    {
        string magic;
        try { magic = reader.ReadString(); }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path}: empty or truncated checkpoint"); }
        if (magic != Magic) throw new InvalidDataException($"{path}: not a BanStudio checkpoint");
        return JsonSerializer.Deserialize<Header>(reader.ReadString())
               ?? throw new InvalidDataException($"{path}: checkpoint header is empty");
    }

    static void WriteState(BinaryWriter writer, Tensor state)
    {
        using (state)
        {
            var bytes = state.cpu().data<byte>().ToArray();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
    }

    static Tensor ReadState(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        var bytes = reader.ReadBytes(length);
        if (bytes.Length != length) throw new EndOfStreamException("truncated generator state");
        return tensor(bytes, dtype: ScalarType.Byte);
    }
}
