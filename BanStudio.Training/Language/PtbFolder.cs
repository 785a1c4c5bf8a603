namespace BanStudio.Training.Language;

/// <summary>
/// Where the Penn Treebank files of Mikolov's split are: a folder holding <c>ptb.train.txt</c>,
/// <c>ptb.valid.txt</c> and <c>ptb.test.txt</c> (as in <c>simple-examples/data</c> of his tarball), given
/// directly, as its <c>ptb/</c> or <c>simple-examples/data/</c> subfolder, or found in a data folder.
/// A <c>ptb.train.partial.txt</c> (the first lines of the training file, as this project's shared data
/// folder holds) is accepted in place of <c>ptb.train.txt</c> when the whole file is absent, and said so.
/// </summary>
public static class PtbFolder
{
    public const string TrainFile = "ptb.train.txt";
    public const string PartialTrainFile = "ptb.train.partial.txt";
    public const string ValidFile = "ptb.valid.txt";
    public const string TestFile = "ptb.test.txt";

    public static IReadOnlyList<string> Subfolders { get; } = ["", "ptb", Path.Combine("simple-examples", "data")];

    /// <summary>The folder (among <paramref name="folder"/> and its known subfolders) that holds a PTB training file; null if none.</summary>
    public static string? Locate(string folder) => Subfolders
        .Select(s => Path.Combine(folder, s))
        .FirstOrDefault(f => TrainPath(f) is not null);

    /// <summary>ptb.train.txt, else ptb.train.partial.txt, in <paramref name="folder"/>; null if neither.</summary>
    public static string? TrainPath(string folder)
    {
        foreach (var name in new[] { TrainFile, PartialTrainFile })
            if (File.Exists(Path.Combine(folder, name))) return Path.Combine(folder, name);
        return null;
    }

    public static string Expected => $"{TrainFile} (or {PartialTrainFile}), {ValidFile} and {TestFile}";

    /// <summary>Reads the three splits of the folder <see cref="Locate"/> found.</summary>
    /// <exception cref="DatasetFileException">A file is missing, empty or not text; the message names its path.</exception>
    public static CorpusSplits Load(string folder)
    {
        string located = Locate(folder) ?? throw new DatasetFileException(Path.Combine(folder, TrainFile), $"not found; expected {Expected} in {folder}");
        string trainPath = TrainPath(located)!;
        var train = CorpusReader.ReadFile(trainPath);
        var valid = CorpusReader.ReadFile(Path.Combine(located, ValidFile));
        var test = CorpusReader.ReadFile(Path.Combine(located, TestFile));
        var vocabulary = Vocabulary.Build(train);
        var trainIds = vocabulary.Encode(train, out _);
        var validIds = vocabulary.Encode(valid, out int unseenValid);
        var testIds = vocabulary.Encode(test, out int unseenTest);
        bool partial = Path.GetFileName(trainPath) == PartialTrainFile;
        return new CorpusSplits("Penn Treebank", vocabulary, trainIds, validIds, testIds, unseenValid + unseenTest, located,
            partial ? $"training text from {PartialTrainFile} (not the whole {TrainFile})" : null);
    }
}
