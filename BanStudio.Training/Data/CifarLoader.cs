using static TorchSharp.torch;

namespace BanStudio.Training.Data;

/// <summary>Loads CIFAR-10 or CIFAR-100 (fine labels) from a folder in the binary or the python format.</summary>
public static class CifarLoader
{
    public const string BinaryFormat = "binary";
    public const string PythonFormat = "python";

    public static IReadOnlyList<string> Cifar10ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The 100 fine classes in label order (alphabetical), as in <c>fine_label_names.txt</c>.</summary>
    public static IReadOnlyList<string> Cifar100ClassNames { get; } =
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ];

    /// <param name="folder">The extracted folder (<c>cifar-10-batches-bin</c>, ...) or the folder holding it.</param>
    public static ImageSplits Load(string folder, CifarVariant variant)
    {
        var layout = variant == CifarVariant.Cifar10 ? DatasetLayout.Cifar10 : DatasetLayout.Cifar100;
        var (dir, set) = layout.Resolve(folder);
        var paths = set.Files.Select(f => layout.Require(dir, set, f)).ToList();
        bool binary = set.Format == BinaryFormat;
        string name = CifarBinaryReader.Name(variant);
        int classes = CifarBinaryReader.Classes(variant);
        // The training files are all but the last (test_batch / test); CIFAR-100 has one of 50,000 records.
        int standardTrainRecords = variant == CifarVariant.Cifar10 ? 10_000 : 50_000;

        using var scope = NewDisposeScope();
        var train = paths.SkipLast(1).Select(p => Read(p, standardTrainRecords)).ToList();
        var test = Read(paths[^1], 10_000);
        var trainSet = new ImageDataset(name + " train", cat(train.Select(r => r.Images).ToList(), 0),
            cat(train.Select(r => r.Labels).ToList(), 0), classes);
        var testSet = new ImageDataset(name + " test", test.Images, test.Labels, classes);
        return ImageSplits.WithTrainStatistics(name, trainSet, testSet, ClassNames(dir, binary, variant), dir);

        CifarRecords Read(string path, int standardRecords) => binary
            ? CifarBinaryReader.Read(path, variant, standardRecords)
            : CifarPickleReader.Read(path, variant);
    }

    /// <summary>The names in the folder's meta file when there is one, else the official names.</summary>
    static IReadOnlyList<string> ClassNames(string folder, bool binary, CifarVariant variant)
    {
        var standard = variant == CifarVariant.Cifar10 ? Cifar10ClassNames : Cifar100ClassNames;
        string meta = Path.Combine(folder, (binary, variant) switch
        {
            (true, CifarVariant.Cifar10) => "batches.meta.txt",
            (true, _) => "fine_label_names.txt",
            (false, CifarVariant.Cifar10) => "batches.meta",
            _ => "meta",
        });
        if (!File.Exists(meta)) return standard;
        var names = binary
            ? File.ReadAllLines(meta).Select(l => l.Trim()).Where(l => l.Length > 0).ToList()
            : CifarPickleReader.ReadClassNames(meta, variant);
        if (names.Count != standard.Count)
            throw new DatasetFileException(meta, $"lists {names.Count} class names; {CifarBinaryReader.Name(variant)} has {standard.Count}");
        return names;
    }
}
