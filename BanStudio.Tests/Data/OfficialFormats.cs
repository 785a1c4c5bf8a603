using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BanStudio.Tests.Data;

/// <summary>
/// Writes small files in the exact official dataset formats, with pixel values that encode where they
/// belong, so a test can tell whether a reader put each byte in the right image, channel, row and column.
/// </summary>
public static class OfficialFormats
{
    /// <summary>The value of pixel (channel, row, column) of record <paramref name="record"/> in every fixture.</summary>
    public static byte Pixel(int record, int channel, int row, int column) =>
        (byte)((record * 31 + channel * 85 + row * 7 + column * 3) % 251);

    public static byte[] Planes(int record, int channels = 3, int size = 32)
    {
        var bytes = new byte[channels * size * size];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    bytes[(c * size + y) * size + x] = Pixel(record, c, y, x);
        return bytes;
    }

    public static int Cifar10Label(int record) => (record * 3 + 1) % 10;
    public static int Cifar100Coarse(int record) => (record * 7 + 2) % 20;
    public static int Cifar100Fine(int record) => (record * 13 + 5) % 100;

    /// <summary>One CIFAR binary file: records <paramref name="first"/>.. with label byte(s) then R, G, B planes.</summary>
    public static void WriteCifarBinary(string path, int first, int count, bool cifar100)
    {
        using var stream = File.Create(path);
        for (int r = first; r < first + count; r++)
        {
            if (cifar100)
            {
                stream.WriteByte((byte)Cifar100Coarse(r));
                stream.WriteByte((byte)Cifar100Fine(r));
            }
            else stream.WriteByte((byte)Cifar10Label(r));
            stream.Write(Planes(r));
        }
    }

    /// <summary>cifar-10-batches-bin with five training batches and a test batch of <paramref name="perBatch"/> records.</summary>
    public static string WriteCifar10Binary(string parent, int perBatch = 20)
    {
        string dir = Directory.CreateDirectory(Path.Combine(parent, "cifar-10-batches-bin")).FullName;
        for (int b = 0; b < 5; b++) WriteCifarBinary(Path.Combine(dir, $"data_batch_{b + 1}.bin"), b * perBatch, perBatch, false);
        WriteCifarBinary(Path.Combine(dir, "test_batch.bin"), 5 * perBatch, perBatch, false);
        File.WriteAllText(Path.Combine(dir, "batches.meta.txt"),
            "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
        return dir;
    }

    public static string WriteCifar100Binary(string parent, int train = 60, int test = 20)
    {
        string dir = Directory.CreateDirectory(Path.Combine(parent, "cifar-100-binary")).FullName;
        WriteCifarBinary(Path.Combine(dir, "train.bin"), 0, train, true);
        WriteCifarBinary(Path.Combine(dir, "test.bin"), train, test, true);
        File.WriteAllLines(Path.Combine(dir, "fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => $"fine{i}"));
        return dir;
    }

    /// <summary>cifar-10-batches-py as Python 2's cPickle wrote it (protocol 2), same records as the binary fixture.</summary>
    public static string WriteCifar10Python(string parent, int perBatch = 20)
    {
        string dir = Directory.CreateDirectory(Path.Combine(parent, "cifar-10-batches-py")).FullName;
        for (int b = 0; b <= 5; b++)
        {
            int first = b * perBatch;
            var records = Enumerable.Range(first, perBatch).ToList();
            File.WriteAllBytes(Path.Combine(dir, b < 5 ? $"data_batch_{b + 1}" : "test_batch"), new PickleWriter()
                .Dict([
                    ("batch_label", w => w.Str(b < 5 ? $"training batch {b + 1} of 5" : "testing batch 1 of 1")),
                    ("labels", w => w.IntList(records.Select(Cifar10Label))),
                    ("data", w => w.NumpyUint8(records.Count, 3072, records.SelectMany(r => Planes(r)).ToArray())),
                    ("filenames", w => w.StrList(records.Select(r => $"image_{r}.png"))),
                ]).ToBytes());
        }
        File.WriteAllBytes(Path.Combine(dir, "batches.meta"), new PickleWriter()
            .Dict([
                ("num_cases_per_batch", w => w.Int(perBatch)),
                ("label_names", w => w.StrList(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"])),
                ("num_vis", w => w.Int(3072)),
            ]).ToBytes());
        return dir;
    }

    public static string WriteCifar100Python(string parent, int train = 60, int test = 20)
    {
        string dir = Directory.CreateDirectory(Path.Combine(parent, "cifar-100-python")).FullName;
        foreach (var (name, first, count) in new[] { ("train", 0, train), ("test", train, test) })
        {
            var records = Enumerable.Range(first, count).ToList();
            File.WriteAllBytes(Path.Combine(dir, name), new PickleWriter()
                .Dict([
                    ("filenames", w => w.StrList(records.Select(r => $"image_{r}.png"))),
                    ("batch_label", w => w.Str(name)),
                    ("fine_labels", w => w.IntList(records.Select(Cifar100Fine))),
                    ("coarse_labels", w => w.IntList(records.Select(Cifar100Coarse))),
                    ("data", w => w.NumpyUint8(count, 3072, records.SelectMany(r => Planes(r)).ToArray())),
                ]).ToBytes());
        }
        File.WriteAllBytes(Path.Combine(dir, "meta"), new PickleWriter()
            .Dict([
                ("fine_label_names", w => w.StrList(Enumerable.Range(0, 100).Select(i => $"fine{i}"))),
                ("coarse_label_names", w => w.StrList(Enumerable.Range(0, 20).Select(i => $"coarse{i}"))),
            ]).ToBytes());
        return dir;
    }

    public static int IdxLabel(int record) => (record * 7 + 3) % 10;

    /// <summary>An idx3 file of <paramref name="count"/> single-channel images, from record <paramref name="first"/>.</summary>
    public static byte[] Idx3(int first, int count, int size = 28)
    {
        var bytes = new List<byte>();
        bytes.AddRange(BigEndian(0x00000803));
        bytes.AddRange(BigEndian(count));
        bytes.AddRange(BigEndian(size));
        bytes.AddRange(BigEndian(size));
        for (int r = first; r < first + count; r++) bytes.AddRange(Planes(r, 1, size));
        return [.. bytes];
    }

    public static byte[] Idx1(int first, int count)
    {
        var bytes = new List<byte>();
        bytes.AddRange(BigEndian(0x00000801));
        bytes.AddRange(BigEndian(count));
        for (int r = first; r < first + count; r++) bytes.Add((byte)IdxLabel(r));
        return [.. bytes];
    }

    /// <summary>The four Fashion-MNIST / MNIST files, gzipped or not, in <paramref name="dir"/>.</summary>
    public static string WriteIdxSet(string dir, bool gzip, int train = 30, int test = 10)
    {
        Directory.CreateDirectory(dir);
        Write("train-images-idx3-ubyte", Idx3(0, train));
        Write("train-labels-idx1-ubyte", Idx1(0, train));
        Write("t10k-images-idx3-ubyte", Idx3(train, test));
        Write("t10k-labels-idx1-ubyte", Idx1(train, test));
        return dir;

        void Write(string name, byte[] content)
        {
            if (gzip) File.WriteAllBytes(Path.Combine(dir, name + ".gz"), Gzip(content));
            else File.WriteAllBytes(Path.Combine(dir, name), content);
        }
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(content);
        return output.ToArray();
    }

    static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }
}

/// <summary>
/// Emits pickle protocol 2 the way Python 2's cPickle wrote the CIFAR python batches: str as SHORT_BINSTRING /
/// BINSTRING, ints as BININT1 / BININT2 / BININT, numpy arrays through numpy.core.multiarray._reconstruct
/// followed by BUILD with (1, shape, dtype('u1'), False, raw bytes).
/// </summary>
public sealed class PickleWriter
{
    readonly MemoryStream _out = new();

    public PickleWriter() => Op(0x80, 2);

    public PickleWriter Dict(IEnumerable<(string Key, Action<PickleWriter> Value)> items)
    {
        Op((byte)'}', (byte)'(');
        foreach (var (key, value) in items)
        {
            Str(key);
            value(this);
        }
        Op((byte)'u');
        return this;
    }

    public byte[] ToBytes()
    {
        Op((byte)'.');
        return _out.ToArray();
    }

    public PickleWriter Str(string text) => Raw(Encoding.Latin1.GetBytes(text));

    public PickleWriter Raw(byte[] bytes)
    {
        if (bytes.Length < 256) { Op((byte)'U', (byte)bytes.Length); }
        else { Op((byte)'T'); Int32(bytes.Length); }
        _out.Write(bytes);
        return this;
    }

    public PickleWriter Int(int value)
    {
        if (value is >= 0 and < 256) Op((byte)'K', (byte)value);
        else if (value is >= 0 and < 65536) { Op((byte)'M', (byte)value, (byte)(value >> 8)); }
        else { Op((byte)'J'); Int32(value); }
        return this;
    }

    public PickleWriter IntList(IEnumerable<int> values)
    {
        Op((byte)']', (byte)'(');
        foreach (int v in values) Int(v);
        Op((byte)'e');
        return this;
    }

    public PickleWriter StrList(IEnumerable<string> values)
    {
        Op((byte)']', (byte)'(');
        foreach (string v in values) Str(v);
        Op((byte)'e');
        return this;
    }

    public PickleWriter NumpyUint8(int rows, int columns, byte[] data)
    {
        Global("numpy.core.multiarray", "_reconstruct");
        Global("numpy", "ndarray");
        Int(0);
        Op(0x85);                              // TUPLE1: (0,)
        Str("b");
        Op(0x87, (byte)'R');                   // TUPLE3, REDUCE: _reconstruct(ndarray, (0,), 'b')
        Op((byte)'(');                         // state = (1, (rows, columns), dtype, False, data)
        Int(1);
        Int(rows);
        Int(columns);
        Op(0x86);                              // TUPLE2
        Global("numpy", "dtype");
        Str("u1");
        Int(0);
        Int(1);
        Op(0x87, (byte)'R');                   // dtype('u1', 0, 1)
        Op((byte)'(');
        Int(3);
        Str("|");
        Op((byte)'N', (byte)'N', (byte)'N');
        Op((byte)'J'); Int32(-1);
        Op((byte)'J'); Int32(-1);
        Int(0);
        Op((byte)'t', (byte)'b');              // TUPLE, BUILD: the dtype's state
        Op(0x89);                              // NEWFALSE: C order
        Raw(data);
        Op((byte)'t', (byte)'b');              // TUPLE, BUILD: the array's state
        return this;
    }

    void Global(string module, string name)
    {
        Op((byte)'c');
        _out.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
    }

    void Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        _out.Write(bytes);
    }

    void Op(params byte[] bytes) => _out.Write(bytes);
}
