namespace BanStudio.Training.Data;

/// <summary>One on-disk format of a dataset: the file names it is made of.</summary>
/// <param name="MayBeGzipped">Each file may also be present as <c>name.gz</c> (the idx distributions).</param>
public sealed record DatasetFileSet(string Format, IReadOnlyList<string> Files, bool MayBeGzipped = false)
{
    /// <summary>The file as it is present in <paramref name="folder"/>, plain first, then gzipped; null when absent.</summary>
    public string? Find(string folder, string file)
    {
        string plain = Path.Combine(folder, file);
        if (File.Exists(plain)) return plain;
        return MayBeGzipped && File.Exists(plain + ".gz") ? plain + ".gz" : null;
    }

    public bool AnyPresentIn(string folder) => Files.Any(f => Find(folder, f) is not null);

    public string Describe() =>
        string.Join(", ", Files.Select(f => MayBeGzipped ? f + "[.gz]" : f));
}

/// <summary>
/// Where a dataset's files may sit. A user may point at the extracted folder itself
/// (<c>.../cifar-10-batches-bin</c>) or at the folder holding it (<c>.../data</c>).
/// </summary>
public sealed record DatasetLayout(string Kind, IReadOnlyList<string> Subfolders, IReadOnlyList<DatasetFileSet> FileSets)
{
    static readonly string[] CifarBatches = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"];
    static readonly string[] IdxFiles =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    public static DatasetLayout Cifar10 { get; } = new(DatasetKinds.Cifar10,
        ["cifar-10-batches-bin", "cifar-10-batches-py"],
        [
            new(CifarLoader.BinaryFormat, [.. CifarBatches.Select(b => b + ".bin"), "test_batch.bin"]),
            new(CifarLoader.PythonFormat, [.. CifarBatches, "test_batch"]),
        ]);

    public static DatasetLayout Cifar100 { get; } = new(DatasetKinds.Cifar100,
        ["cifar-100-binary", "cifar-100-python"],
        [
            new(CifarLoader.BinaryFormat, ["train.bin", "test.bin"]),
            new(CifarLoader.PythonFormat, ["train", "test"]),
        ]);

    public static DatasetLayout FashionMnist { get; } = new(DatasetKinds.FashionMnist,
        ["fashion-mnist", "fashion_mnist", "FashionMNIST/raw", "fashion"],
        [new(MnistLoader.IdxFormat, IdxFiles, MayBeGzipped: true)]);

    public static DatasetLayout Mnist { get; } = new(DatasetKinds.Mnist,
        ["mnist", "MNIST/raw"],
        [new(MnistLoader.IdxFormat, IdxFiles, MayBeGzipped: true)]);

    public static DatasetLayout For(string kind) => kind switch
    {
        DatasetKinds.Cifar10 => Cifar10,
        DatasetKinds.Cifar100 => Cifar100,
        DatasetKinds.FashionMnist => FashionMnist,
        DatasetKinds.Mnist => Mnist,
        _ => throw new ArgumentException($"dataset kind '{kind}' is not read from files", nameof(kind)),
    };

    /// <summary>
    /// The folder that holds this dataset's files, looking in <paramref name="folder"/> itself (when
    /// <paramref name="includeSelf"/>) and then in its known subfolders; null when none has any of them.
    /// A folder with some but not all files is still returned, so the reader can name what is missing.
    /// </summary>
    public (string Folder, DatasetFileSet Files)? Locate(string folder, bool includeSelf = true)
    {
        if (!Directory.Exists(folder)) return null;
        var candidates = includeSelf ? Subfolders.Select(s => Path.Combine(folder, s)).Prepend(folder)
                                     : Subfolders.Select(s => Path.Combine(folder, s));
        foreach (string candidate in candidates)
        {
            if (!Directory.Exists(candidate)) continue;
            foreach (var set in FileSets)
                if (set.AnyPresentIn(candidate)) return (candidate, set);
        }
        return null;
    }

    /// <summary>
    /// Like <see cref="Locate"/>, but a folder that does not exist or holds none of the files is a
    /// <see cref="DatasetFileException"/> that says what was expected.
    /// </summary>
    public (string Folder, DatasetFileSet Files) Resolve(string folder)
    {
        if (!Directory.Exists(folder)) throw new DatasetFileException(folder, "folder does not exist");
        return Locate(folder) ?? throw new DatasetFileException(folder,
            $"holds no {DisplayName} files; expected {Expected()}");
    }

    /// <summary>The path of one file of <paramref name="set"/> in <paramref name="folder"/>; missing is an error listing the set.</summary>
    public string Require(string folder, DatasetFileSet set, string file)
    {
        if (set.Find(folder, file) is { } path) return path;
        var present = set.Files.Where(f => set.Find(folder, f) is not null).ToList();
        throw new DatasetFileException(Path.Combine(folder, file),
            $"is missing{(set.MayBeGzipped ? " (also as .gz)" : "")}; {DisplayName} in {set.Format} format needs {set.Describe()} " +
            $"in {folder} (found: {(present.Count == 0 ? "none" : string.Join(", ", present))})");
    }

    public string DisplayName => DatasetKinds.Info(Kind).DisplayName;

    /// <summary>What a folder for this dataset should contain, for error messages.</summary>
    public string Expected() =>
        string.Join("; or ", FileSets.Select(set => set.Describe())) +
        $" (in the folder itself or in {string.Join(" or ", Subfolders.Select(s => s + "/"))})";
}
