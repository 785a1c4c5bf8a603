using System.Text.Json;
using BanStudio.Tests.Data;
using BanStudio.Tests.Models;
using BanStudio.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Tests.Training;

/// <summary>The checkpoint header is written through a stream (no pooled buffer the size of the history) in the same bytes as before.</summary>
[Collection(TorchCollection.Name)]
public sealed class CheckpointHeaderTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_long_history_is_written_byte_for_byte_as_a_length_prefixed_json_string_and_reads_back()
    {
        // 2,000 epochs of history: about 400 KB of JSON, far past System.Text.Json's 16 KiB buffer.
        var history = Enumerable.Range(1, 2000)
            .Select(e => new EpochMetrics(e, 1.0 / e, 0.5 / e, 2.0 / e, 0.25, e % 2 == 0 ? 0.05 : null, 0.1 * Math.Pow(0.99, e), 12.5, 4000 + e))
            .ToList();
        var header = new Checkpoint.Header("fingerprint-é-ü", 2000, history, 12345.678, Precision.BFloat16);
        using var model = nn.Linear(3, 2);
        using var optimizer = optim.SGD(model.parameters(), 0.1, 0.9);
        using var generator = new Generator(7);
        string path = _folder.File("checkpoint.bin");

        Checkpoint.Save(path, header, model, optimizer, [generator]);

        // What checkpoints have always started with: BinaryWriter's magic string, then the header's JSON as one string.
        using var expected = new MemoryStream();
        using (var writer = new BinaryWriter(expected, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("BANSTUDIO-CKPT-1");
            writer.Write(JsonSerializer.Serialize(header));
        }
        byte[] written = File.ReadAllBytes(path);
        Assert.True(written.Length > expected.Length);
        Assert.Equal(expected.ToArray(), written[..(int)expected.Length]);

        var read = Checkpoint.ReadHeader(path)!;
        Assert.Equal((header.Fingerprint, 2000, 12345.678, Precision.BFloat16), (read.Fingerprint, read.EpochsDone, read.WallSeconds, read.Precision));
        Assert.Equal(history, read.History);
    }
}
