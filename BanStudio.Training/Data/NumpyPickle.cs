using System.Collections;
using System.Text;
using Razorvine.Pickle;

namespace BanStudio.Training.Data;

/// <summary>
/// Just enough of numpy's pickle protocol for Razorvine.Pickle to rebuild the uint8 arrays of the CIFAR
/// python batches, without Python: <c>numpy.core.multiarray._reconstruct</c> makes an empty
/// <see cref="NumpyArray"/> and the BUILD opcode hands it (version, shape, dtype, fortran, raw bytes).
/// Nothing is executed; unknown globals stay inert dictionaries in Razorvine.
/// </summary>
public static class NumpyPickle
{
    static NumpyPickle()
    {
        // Razorvine keeps constructors in one static table; registering here, once, keeps it race-free.
        foreach (string module in new[] { "numpy.core.multiarray", "numpy._core.multiarray" })
            Unpickler.registerConstructor(module, "_reconstruct", new Constructor(_ => new NumpyArray()));
        Unpickler.registerConstructor("numpy", "dtype", new Constructor(args => new NumpyDtype(args)));
    }

    /// <summary>Unpickles a whole file (any protocol 0..5).</summary>
    public static object? Load(Stream stream)
    {
        using var unpickler = new Unpickler();
        return unpickler.load(stream);
    }

    /// <summary>A dictionary entry whose key was pickled as a Python 2 str, a Python 3 str, or bytes.</summary>
    public static object? Get(IDictionary dictionary, string key)
    {
        if (dictionary.Contains(key)) return dictionary[key];
        foreach (DictionaryEntry entry in dictionary)
            if (entry.Key is byte[] bytes && Encoding.Latin1.GetString(bytes) == key) return entry.Value;
        return null;
    }

    /// <summary>Python 2 str and bytes both arrive as raw bytes; Razorvine gives a str as one char per byte.</summary>
    public static byte[]? RawBytes(object? value) => value switch
    {
        byte[] bytes => bytes,
        string text => Encoding.Latin1.GetBytes(text),
        _ => null,
    };

    public static string? Text(object? value) => value switch
    {
        string text => text,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => null,
    };

    sealed class Constructor(Func<object[], object> make) : IObjectConstructor
    {
        public object construct(object[] args) => make(args);
    }
}

/// <summary>A numpy dtype as pickled: <c>dtype('u1', False, True)</c>, then its state.</summary>
public sealed class NumpyDtype(object[] args)
{
    /// <summary>The type code without byte order, e.g. "u1", "i8", "f4".</summary>
    public string Code { get; } = (NumpyPickle.Text(args.Length > 0 ? args[0] : null) ?? "?").TrimStart('<', '>', '|', '=');

    // Called by Razorvine's BUILD opcode; the byte order in the state does not matter for "u1".
    public void __setstate__(object[] state) { }
}

/// <summary>A numpy ndarray as pickled by <c>ndarray.__reduce__</c>.</summary>
public sealed class NumpyArray
{
    public long[] Shape { get; private set; } = [];
    public NumpyDtype? Dtype { get; private set; }
    public bool FortranOrder { get; private set; }
    public byte[] Data { get; private set; } = [];

    // Called by Razorvine's BUILD opcode with (version, shape, dtype, is_fortran, raw data).
    public void __setstate__(object[] state)
    {
        if (state.Length != 5) throw new InvalidDataException($"ndarray state has {state.Length} items, expected 5");
        Shape = ((object[])state[1]).Select(Convert.ToInt64).ToArray();
        Dtype = state[2] as NumpyDtype;
        FortranOrder = state[3] is true;
        Data = NumpyPickle.RawBytes(state[4])
               ?? throw new InvalidDataException($"ndarray data is a {state[4]?.GetType().Name ?? "null"}, expected raw bytes");
    }

    public override string ToString() => $"ndarray {Dtype?.Code} [{string.Join(", ", Shape)}]";
}
