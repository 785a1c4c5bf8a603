using System.Text.Json.Serialization;

namespace BanStudio.Training.Data;

/// <summary>
/// Which images an experiment trains and tests on, as written in a spec file:
/// <c>{"kind": "cifar100", "path": "/data", "trainLimit": 5000}</c> or <c>{"kind": "builtin", "seed": 3}</c>.
/// </summary>
/// <param name="Kind">One of <see cref="DatasetKinds.All"/>.</param>
/// <param name="Path">The dataset's folder (the extracted folder or the one holding it); null looks in the
/// <see cref="DatasetCatalog"/>'s data folders. Not used by the built-in dataset.</param>
/// <param name="Seed">Built-in dataset only: the seed it is drawn from (default 0).</param>
/// <param name="TrainSize">Built-in dataset only: training images to make (default 5,000).</param>
/// <param name="TestSize">Built-in dataset only: test images to make (default 1,000).</param>
/// <param name="TrainLimit">Use only this many training images (for quick runs); null uses all.</param>
/// <param name="TestLimit">Use only this many test images; null uses all.</param>
/// <param name="LimitMode">How the limits pick images: balanced over classes (default) or the first N.</param>
public sealed record DatasetSpec(
    string Kind = DatasetKinds.Builtin,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Path = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Seed = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TrainSize = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TestSize = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TrainLimit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TestLimit = null,
    LimitMode LimitMode = LimitMode.Stratified)
{
    public const int MaxBuiltinTrainSize = 200_000;
    public const int MaxBuiltinTestSize = 100_000;

    [JsonIgnore] public bool IsBuiltin => Kind == DatasetKinds.Builtin;

    /// <summary>A word-level corpus for language models ("ptb", "builtin-text"), not images.</summary>
    [JsonIgnore] public bool IsText => Language.TextDatasets.IsText(Kind);

    /// <summary>Name, shape and split sizes known without reading any file (for building models); null for an unknown kind.</summary>
    [JsonIgnore] public DatasetInfo? Info => DatasetKinds.IsKnown(Kind) ? DatasetKinds.Info(Kind) : null;

    /// <summary>"CIFAR-100", "Built-in shapes (seed 3)", "CIFAR-10, 5,000 train / 1,000 test (stratified)".</summary>
    [JsonIgnore]
    public string DisplayName
    {
        get
        {
            if (Language.TextDatasets.IsText(Kind)) return Language.TextDatasets.DisplayName(this);
            if (!DatasetKinds.IsKnown(Kind)) return Kind;
            string name = DatasetKinds.Info(Kind).DisplayName;
            if (IsBuiltin && (Seed ?? 0) != 0) name += $" (seed {Seed})";
            var limits = new List<string>();
            if (TrainLimit is { } train) limits.Add($"{Numbers.N(train)} train");
            if (TestLimit is { } test) limits.Add($"{Numbers.N(test)} test");
            return limits.Count == 0 ? name : $"{name}, {string.Join(" / ", limits)} ({(LimitMode == LimitMode.First ? "first" : "stratified")})";
        }
    }

    /// <summary>
    /// Every problem with this spec, each naming its JSON field ("dataset.kind", ...); empty when it can be loaded.
    /// Looks at the file system: a folder that does not exist or holds no files of this kind is an error.
    /// </summary>
    /// <param name="checkFiles">False leaves the file system alone: the design's errors only, for a spec
    /// drafted on a machine that lacks the data (the wizard lets it be reviewed and downloaded).</param>
    public IReadOnlyList<SpecError> Validate(DatasetCatalog? catalog = null, bool checkFiles = true)
    {
        var errors = new List<SpecError>();
        void Error(string field, string message) => errors.Add(new SpecError("dataset." + field, message));

        // Word-level corpora (language models) have their own files and limits.
        if (Language.TextDatasets.IsText(Kind)) return Language.TextDatasets.Validate(this, catalog, checkFiles);
        if (!DatasetKinds.IsKnown(Kind))
        {
            Error("kind", $"'{Kind}' is not a dataset kind; use one of: {string.Join(", ", DatasetKinds.All.Concat(Language.TextDatasets.All))}");
            return errors;
        }
        var info = DatasetKinds.Info(Kind);
        int trainCount = info.TrainCount, testCount = info.TestCount;
        if (IsBuiltin)
        {
            if (Path is not null) Error("path", "the built-in dataset is generated, not read from files; remove path");
            CheckSize("trainSize", TrainSize, MaxBuiltinTrainSize);
            CheckSize("testSize", TestSize, MaxBuiltinTestSize);
            trainCount = TrainSize ?? trainCount;
            testCount = TestSize ?? testCount;
        }
        else
        {
            foreach (var (field, value) in new[] { ("seed", Seed), ("trainSize", TrainSize), ("testSize", TestSize) })
                if (value is not null)
                    Error(field, $"applies only to kind \"{DatasetKinds.Builtin}\"; {info.DisplayName} has fixed splits " +
                                 "(use trainLimit / testLimit to train on fewer images)");
            if (checkFiles) CheckFolder(catalog ?? DatasetCatalog.Default, info);
        }
        CheckLimit("trainLimit", TrainLimit, trainCount, "training");
        CheckLimit("testLimit", TestLimit, testCount, "test");
        return errors;

        void CheckFolder(DatasetCatalog catalog, DatasetInfo info)
        {
            var layout = DatasetLayout.For(Kind);
            if (Path is not null)
            {
                if (!Directory.Exists(Path)) Error("path", $"folder '{Path}' does not exist");
                else if (layout.Locate(Path) is null) Error("path", $"'{Path}' holds no {info.DisplayName} files; expected {layout.Expected()}");
            }
            else if (catalog.Locate(Kind) is null)
            {
                Error("path", $"{info.DisplayName} was not found in the data folders ({string.Join(", ", catalog.SearchFolders(Kind))}); " +
                              $"set dataset.path to its folder, or download it into one of them");
            }
        }

        void CheckSize(string field, int? value, int max)
        {
            if (value is { } n && (n < info.Shape.Classes || n > max))
                Error(field, $"must be between {info.Shape.Classes} (one image per class) and {Numbers.N(max)} (got {Numbers.N(n)})");
        }

        void CheckLimit(string field, int? value, int available, string split)
        {
            if (value is not { } n) return;
            int min = LimitMode == LimitMode.Stratified ? info.Shape.Classes : 1;
            if (n < min)
                Error(field, $"must be at least {min}{(min > 1 ? " (one image per class)" : "")} (got {Numbers.N(n)}); remove it to use every image");
            else if (n > available)
                Error(field, $"is {Numbers.N(n)} but {info.DisplayName} has {Numbers.N(available)} {split} images");
        }
    }

    /// <summary>
    /// The folder this spec reads from: <see cref="Path"/> (or its subfolder holding the files), else the
    /// first data folder of <paramref name="catalog"/> that has the dataset; null when there is none.
    /// </summary>
    public string? ResolveFolder(DatasetCatalog? catalog = null)
    {
        if (IsText) return Language.TextDatasets.ResolveFolder(this, catalog);
        if (IsBuiltin || !DatasetKinds.IsKnown(Kind)) return null;
        if (Path is not null) return DatasetLayout.For(Kind).Locate(Path)?.Folder;
        return (catalog ?? DatasetCatalog.Default).Locate(Kind);
    }

    /// <summary>
    /// Validates, then reads or generates both splits and applies the limits. Normalisation statistics are
    /// those of the whole training split, so a quick run on a subset is normalised like the full run.
    /// </summary>
    /// <exception cref="SpecValidationException">The spec is invalid or its files cannot be found.</exception>
    /// <exception cref="DatasetFileException">A file is missing, truncated or not in the expected format.</exception>
    public ImageSplits Load(DatasetCatalog? catalog = null)
    {
        if (Language.TextDatasets.IsText(Kind))
            throw new InvalidOperationException($"'{Kind}' is a text corpus: load it with TextDatasets.Load, not as images");
        SpecValidationException.ThrowIfAny(Validate(catalog));
        var splits = Kind switch
        {
            DatasetKinds.Builtin => BuiltinDataset.Generate(Seed ?? 0, TrainSize ?? BuiltinDataset.DefaultTrainSize,
                TestSize ?? BuiltinDataset.DefaultTestSize),
            DatasetKinds.Cifar10 => CifarLoader.Load(ResolveFolder(catalog)!, CifarVariant.Cifar10),
            DatasetKinds.Cifar100 => CifarLoader.Load(ResolveFolder(catalog)!, CifarVariant.Cifar100),
            DatasetKinds.FashionMnist => MnistLoader.Load(ResolveFolder(catalog)!, fashion: true),
            _ => MnistLoader.Load(ResolveFolder(catalog)!, fashion: false),
        };
        if (TrainLimit is null && TestLimit is null) return splits;
        using (splits)
        {
            return new ImageSplits(DisplayName, Limit(splits.Train, TrainLimit), Limit(splits.Test, TestLimit),
                splits.ClassNames, splits.Mean, splits.Std, splits.Location);
        }
    }

    ImageDataset Limit(ImageDataset data, int? limit)
    {
        var indices = limit is { } n
            ? SubsetSelection.Select(data.Labels.data<long>().ToArray(), data.Shape.Classes, n, LimitMode)
            : SubsetSelection.First(data.Count);
        return data.Subset(indices);
    }
}
