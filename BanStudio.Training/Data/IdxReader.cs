using System.Buffers.Binary;
using System.IO.Compression;
using static TorchSharp.torch;

namespace BanStudio.Training.Data;

/// <summary>
/// Reads LeCun's idx format (MNIST, Fashion-MNIST), plain or gzipped: a big-endian magic number
/// 0x0000 08 nn (unsigned bytes, nn dimensions), nn big-endian int32 sizes, then the bytes row-major.
/// </summary>
public static class IdxReader
{
    const byte UnsignedByte = 0x08;

    /// <summary>An idx3 file as uint8 [N, 1, H, W].</summary>
    public static Tensor ReadImages(string path)
    {
        var (dims, data) = Read(path, 3, "images");
        return tensor(data, [dims[0], 1, dims[1], dims[2]]);
    }

    /// <summary>An idx1 file as int64 [N], each checked to lie in [0, classes).</summary>
    public static Tensor ReadLabels(string path, int classes)
    {
        var (_, data) = Read(path, 1, "labels");
        int bad = Array.FindIndex(data, b => b >= classes);
        if (bad >= 0)
            throw new DatasetFileException(path, $"label {Numbers.N(bad)} is {data[bad]}; labels must be 0..{classes - 1}");
        using var bytes = tensor(data);
        return bytes.to(ScalarType.Int64);
    }

    /// <summary>The sizes and the raw bytes of an idx file of unsigned bytes with <paramref name="rank"/> dimensions.</summary>
    public static (int[] Dims, byte[] Data) Read(string path, int rank, string what)
    {
        if (!File.Exists(path)) throw new DatasetFileException(path, "is missing");
        bool gzipped = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using Stream stream = gzipped ? new GZipStream(file, CompressionMode.Decompress) : file;
            return ReadBody(path, stream, gzipped ? null : file.Length, rank, what);
        }
        catch (InvalidDataException e) when (gzipped)
        {
            throw new DatasetFileException(path, $"is not a valid gzip file (truncated or corrupt?): {e.Message}");
        }
    }

    static (int[] Dims, byte[] Data) ReadBody(string path, Stream stream, long? fileLength, int rank, string what)
    {
        int headerBytes = 4 + 4 * rank;
        var header = new byte[headerBytes];
        int got = stream.ReadAtLeast(header, headerBytes, throwOnEndOfStream: false);
        uint expectedMagic = (uint)(UnsignedByte << 8 | rank);
        if (got < 4)
            throw new DatasetFileException(path, $"is {got} bytes long{Unpacked(fileLength)}; an idx {what} file starts with the magic number 0x{expectedMagic:X8}");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic != expectedMagic)
            throw new DatasetFileException(path, $"has magic number 0x{magic:X8}; an idx {what} file starts with 0x{expectedMagic:X8} " +
                $"(unsigned bytes, {rank} dimension{(rank == 1 ? "" : "s")}){(magic == 0x1F8B0800 || header[0] == 0x1F && header[1] == 0x8B ? ": this looks gzipped but is not named .gz" : "")}");
        if (got < headerBytes)
            throw new DatasetFileException(path, $"is truncated inside its {headerBytes}-byte header");

        var dims = new int[rank];
        long size = 1;
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + 4 * d));
            if (dims[d] <= 0) throw new DatasetFileException(path, $"header gives dimension {d} a size of {dims[d]}");
            size *= dims[d];
        }
        if (size > Array.MaxLength) throw new DatasetFileException(path, $"header promises {Numbers.N(size)} bytes, more than fit in memory");
        string described = Describe(dims, what, size + headerBytes);
        if (fileLength is { } length && length != headerBytes + size)
            throw new DatasetFileException(path,
                $"is {Numbers.N(length)} bytes; its header says {described}{(length < headerBytes + size ? " (truncated?)" : "")}");

        var data = new byte[size];
        int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < size)
            throw new DatasetFileException(path,
                $"decompresses to only {Numbers.N(headerBytes + read)} bytes; its header says {described} (truncated download?)");
        if (stream.ReadByte() >= 0)
            throw new DatasetFileException(path, $"holds more than its header's {described}");
        return (dims, data);
    }

    static string Unpacked(long? fileLength) => fileLength is null ? " after decompression" : "";

    static string Describe(int[] dims, string what, long totalBytes) =>
        dims.Length == 1 ? $"{Numbers.N(dims[0])} {what} = {Numbers.N(totalBytes)} bytes"
                         : $"{Numbers.N(dims[0])} {what} of {string.Join('x', dims.Skip(1))} = {Numbers.N(totalBytes)} bytes";
}
