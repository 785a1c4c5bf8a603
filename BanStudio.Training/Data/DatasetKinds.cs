namespace BanStudio.Training.Data;

/// <summary>What BanStudio knows about one dataset before reading it: its name, shape, sizes and classes.</summary>
public sealed record DatasetInfo(
    string Kind,
    string DisplayName,
    DataShape Shape,
    int TrainCount,
    int TestCount,
    IReadOnlyList<string> ClassNames,
    string Description);

/// <summary>The dataset kinds a <see cref="DatasetSpec"/> may name, as they are written in JSON.</summary>
public static class DatasetKinds
{
    public const string Builtin = "builtin";
    public const string Cifar10 = "cifar10";
    public const string Cifar100 = "cifar100";
    public const string FashionMnist = "fashion-mnist";
    public const string Mnist = "mnist";

    /// <summary>Every kind, built-in first (the order the UI and CLI list them in).</summary>
    public static IReadOnlyList<string> All { get; } = [Builtin, Cifar10, Cifar100, FashionMnist, Mnist];

    public static bool IsKnown(string? kind) => kind is not null && All.Contains(kind);

    public static DatasetInfo Info(string kind) => kind switch
    {
        Builtin => new(Builtin, "Built-in shapes", new DataShape(3, BuiltinDataset.ImageSize, 10),
            BuiltinDataset.DefaultTrainSize, BuiltinDataset.DefaultTestSize, BuiltinDataset.ClassNames,
            "Procedural shapes and textures made by the app from a seed; needs no files."),
        Cifar10 => new(Cifar10, "CIFAR-10", new DataShape(3, 32, 10), 50_000, 10_000, CifarLoader.Cifar10ClassNames,
            "60,000 32x32 colour images in 10 classes (Krizhevsky, 2009)."),
        Cifar100 => new(Cifar100, "CIFAR-100", new DataShape(3, 32, 100), 50_000, 10_000, CifarLoader.Cifar100ClassNames,
            "60,000 32x32 colour images in 100 fine classes (20 coarse superclasses)."),
        FashionMnist => new(FashionMnist, "Fashion-MNIST", new DataShape(1, 28, 10), 60_000, 10_000, MnistLoader.FashionClassNames,
            "70,000 28x28 greyscale images of Zalando articles in 10 classes."),
        Mnist => new(Mnist, "MNIST", new DataShape(1, 28, 10), 60_000, 10_000, MnistLoader.DigitClassNames,
            "70,000 28x28 greyscale handwritten digits."),
        _ => throw new ArgumentException($"unknown dataset kind '{kind}'; known: {string.Join(", ", All)}", nameof(kind)),
    };
}
