using System.Collections;
using System.Globalization;
using static TorchSharp.torch;

namespace BanStudio.Training.Data;

/// <summary>
/// Reads the "python version" of CIFAR (<c>cifar-10-batches-py</c>, <c>cifar-100-python</c>): each file is a
/// pickled dict with <c>data</c>, a uint8 numpy array [N, 3072] in the same R, G, B plane order as the
/// binary version, and <c>labels</c> (CIFAR-10) or <c>fine_labels</c> and <c>coarse_labels</c> (CIFAR-100).
/// </summary>
public static class CifarPickleReader
{
    public static CifarRecords Read(string path, CifarVariant variant)
    {
        var dict = LoadDictionary(path);
        var array = NumpyPickle.Get(dict, "data") as NumpyArray
                    ?? throw new DatasetFileException(path, "has no 'data' array; not a CIFAR python batch");
        if (array.Dtype?.Code != "u1" || array.FortranOrder || array.Shape.Length != 2 ||
            array.Shape[1] != CifarBinaryReader.PixelBytes || array.Data.LongLength != array.Shape[0] * array.Shape[1])
            throw new DatasetFileException(path, $"'data' is {array}{(array.FortranOrder ? " in Fortran order" : "")} " +
                $"with {Numbers.N(array.Data.LongLength)} bytes; a CIFAR batch holds uint8 [N, 3072] in C order");
        long count = array.Shape[0];

        using var scope = NewDisposeScope();
        var images = tensor(array.Data, [count, 3, 32, 32]);
        Tensor labels, coarse;
        if (variant == CifarVariant.Cifar10)
        {
            labels = Labels(path, dict, "labels", count);
            CifarBinaryReader.CheckRange(path, labels, 10, "label");
            return new CifarRecords(images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), null);
        }
        labels = Labels(path, dict, "fine_labels", count);
        coarse = Labels(path, dict, "coarse_labels", count);
        CifarBinaryReader.CheckRange(path, labels, 100, "fine label");
        CifarBinaryReader.CheckRange(path, coarse, 20, "coarse label");
        return new CifarRecords(images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(),
            coarse.MoveToOuterDisposeScope());
    }

    /// <summary>Class names from <c>batches.meta</c> (<c>label_names</c>) or CIFAR-100's <c>meta</c> (<c>fine_label_names</c>).</summary>
    public static IReadOnlyList<string> ReadClassNames(string path, CifarVariant variant)
    {
        string key = variant == CifarVariant.Cifar10 ? "label_names" : "fine_label_names";
        if (NumpyPickle.Get(LoadDictionary(path), key) is not IList names)
            throw new DatasetFileException(path, $"has no '{key}' list");
        return names.Cast<object?>().Select(n => NumpyPickle.Text(n) ?? "?").ToArray();
    }

    static IDictionary LoadDictionary(string path)
    {
        if (!File.Exists(path)) throw new DatasetFileException(path, "is missing");
        object? root;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            root = NumpyPickle.Load(stream);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Razorvine reports truncation and corruption with a variety of exception types.
            throw new DatasetFileException(path, $"is not a readable Python pickle (truncated or corrupt?): {e.GetBaseException().Message}");
        }
        return root as IDictionary
               ?? throw new DatasetFileException(path, $"holds a {root?.GetType().Name ?? "None"}, not the dict of a CIFAR python batch");
    }

    static Tensor Labels(string path, IDictionary dict, string key, long count)
    {
        if (NumpyPickle.Get(dict, key) is not IList list)
            throw new DatasetFileException(path, $"has no '{key}' list");
        if (list.Count != count)
            throw new DatasetFileException(path, $"has {Numbers.N(count)} images but {Numbers.N(list.Count)} {key}");
        var values = new long[list.Count];
        for (int i = 0; i < values.Length; i++) values[i] = Convert.ToInt64(list[i], CultureInfo.InvariantCulture);
        return tensor(values);
    }
}
