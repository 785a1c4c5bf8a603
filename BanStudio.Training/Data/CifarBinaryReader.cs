using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Data;

public enum CifarVariant { Cifar10, Cifar100 }

/// <summary>The images and labels of one CIFAR file. For CIFAR-100, <see cref="Labels"/> are the fine labels.</summary>
public sealed class CifarRecords(Tensor images, Tensor labels, Tensor? coarseLabels) : IDisposable
{
    /// <summary>uint8 [N, 3, 32, 32], planes in R, G, B order.</summary>
    public Tensor Images { get; } = images;
    /// <summary>int64 [N]: CIFAR-10 labels, or CIFAR-100 fine labels.</summary>
    public Tensor Labels { get; } = labels;
    /// <summary>int64 [N]: the CIFAR-100 superclass labels; null for CIFAR-10.</summary>
    public Tensor? CoarseLabels { get; } = coarseLabels;
    public int Count => (int)Images.shape[0];

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
        CoarseLabels?.Dispose();
    }
}

/// <summary>
/// Reads the "binary version" of CIFAR: fixed-size records of label byte(s) then 3,072 pixel bytes
/// (1,024 red, 1,024 green, 1,024 blue, each row-major). CIFAR-10 has one label byte; CIFAR-100 two,
/// coarse then fine. We read our own rather than TorchVision's: its reader insists on exactly 10,000
/// records, builds one float tensor per image, and reports a bad file without saying what is wrong.
/// </summary>
public static class CifarBinaryReader
{
    public const int PixelBytes = 3 * 32 * 32;

    public static int LabelBytes(CifarVariant variant) => variant == CifarVariant.Cifar10 ? 1 : 2;

    /// <param name="standardRecords">How many records the official file holds (10,000 or 50,000), for the message
    /// when the size is wrong. Files with any whole number of records are accepted.</param>
    public static CifarRecords Read(string path, CifarVariant variant, int standardRecords)
    {
        var file = new FileInfo(path);
        if (!file.Exists) throw new DatasetFileException(path, "is missing");
        int labelBytes = LabelBytes(variant), recordBytes = labelBytes + PixelBytes;
        long length = file.Length;
        if (length == 0 || length % recordBytes != 0)
            throw new DatasetFileException(path,
                $"is {Numbers.N(length)} bytes; a {Name(variant)} {(standardRecords == 10_000 ? "batch" : "training file")} is " +
                $"{Numbers.N((long)standardRecords * recordBytes)} ({Numbers.N(standardRecords)} records of {Numbers.N(recordBytes)} bytes)" +
                (length % recordBytes != 0 ? ", and this is not a whole number of records (truncated, or not a CIFAR file?)" : ""));

        long count = length / recordBytes;
        byte[] bytes = File.ReadAllBytes(path);
        using var scope = NewDisposeScope();
        var records = tensor(bytes, [count, recordBytes]);
        var labels = records.select(1, labelBytes - 1).to(ScalarType.Int64);
        CheckRange(path, labels, Classes(variant), variant == CifarVariant.Cifar10 ? "label" : "fine label");
        Tensor? coarse = null;
        if (variant == CifarVariant.Cifar100)
        {
            coarse = records.select(1, 0).to(ScalarType.Int64);
            CheckRange(path, coarse, 20, "coarse label");
        }
        var images = records.narrow(1, labelBytes, PixelBytes).reshape(count, 3, 32, 32).contiguous();
        return new CifarRecords(images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(),
            coarse?.MoveToOuterDisposeScope());
    }

    public static string Name(CifarVariant variant) => variant == CifarVariant.Cifar10 ? "CIFAR-10" : "CIFAR-100";

    public static int Classes(CifarVariant variant) => variant == CifarVariant.Cifar10 ? 10 : 100;

    /// <summary>Throws naming the first record whose label is outside [0, classes).</summary>
    internal static void CheckRange(string path, Tensor labels, int classes, string what)
    {
        using var scope = NewDisposeScope();
        var bad = labels.ge(classes).logical_or(labels.lt(0)).nonzero();
        if (bad.shape[0] == 0) return;
        long record = bad[0, 0].item<long>();
        long value = labels[record].item<long>();
        throw new DatasetFileException(path,
            $"record {Numbers.N(record)} has {what} {value}; {what}s must be 0..{classes - 1} " +
            $"({Numbers.N(bad.shape[0])} records out of range)");
    }
}
