namespace BanStudio.Training.Language;

/// <summary>
/// The word-level dataset kinds of a <see cref="Data.DatasetSpec"/>: <c>"ptb"</c> (a folder of Mikolov's PTB
/// files) and <c>"builtin-text"</c> (made in code). For them <c>trainLimit</c> counts training words (the first N
/// of the stream) and <c>testLimit</c> the words of the validation and of the test stream; <c>seed</c> and
/// <c>trainSize</c> (training sentences) apply to the built-in text only.
/// </summary>
public static class TextDatasets
{
    public const string Ptb = "ptb";
    public const string BuiltinText = "builtin-text";
    public const int MinTokens = 100;

    public static IReadOnlyList<string> All { get; } = [BuiltinText, Ptb];

    public static bool IsText(string? kind) => kind is not null && All.Contains(kind);

    public static string DisplayName(Data.DatasetSpec spec)
    {
        string name = spec.Kind == Ptb ? "Penn Treebank" : Language.BuiltinText.Name + ((spec.Seed ?? 0) != 0 ? $" (seed {spec.Seed})" : "");
        var limits = new List<string>();
        if (spec.TrainLimit is { } t) limits.Add($"first {t:N0} train words");
        if (spec.TestLimit is { } e) limits.Add($"first {e:N0} valid/test words");
        return limits.Count == 0 ? name : $"{name}, {string.Join(" / ", limits)}";
    }

    /// <summary>The folders a PTB folder is looked for in when the spec gives no path (each data root's <c>ptb/</c> and its own level).</summary>
    public static IReadOnlyList<string> SearchFolders(Data.DatasetCatalog catalog) =>
        catalog.DataRoots.SelectMany(root => new[] { Path.Combine(root, "ptb"), Path.Combine(root, "simple-examples", "data") }).ToList();

    public static string? ResolveFolder(Data.DatasetSpec spec, Data.DatasetCatalog? catalog = null)
    {
        if (spec.Kind != Ptb) return null;
        if (spec.Path is not null) return PtbFolder.Locate(spec.Path);
        return SearchFolders(catalog ?? Data.DatasetCatalog.Default).FirstOrDefault(f => PtbFolder.TrainPath(f) is not null);
    }

    /// <param name="checkFiles">False skips looking for the corpus (see <see cref="Data.DatasetSpec.Validate"/>).</param>
    public static IReadOnlyList<SpecError> Validate(Data.DatasetSpec spec, Data.DatasetCatalog? catalog = null, bool checkFiles = true)
    {
        var errors = new List<SpecError>();
        void Error(string field, string message) => errors.Add(new SpecError("dataset." + field, message));
        if (spec.Kind == BuiltinText)
        {
            if (spec.Path is not null) Error("path", "the built-in text is generated, not read from files; remove path");
            if (spec.TrainSize is { } n && n is < 10 or > Language.BuiltinText.MaxTrainSentences)
                Error("trainSize", $"counts training sentences of the built-in text: between 10 and {Language.BuiltinText.MaxTrainSentences:N0} (got {n:N0})");
            if (spec.TestSize is not null) Error("testSize", $"the built-in text's validation and test splits have a fixed {Language.BuiltinText.EvalSentences} sentences; remove testSize");
        }
        else
        {
            foreach (var (field, value) in new[] { ("seed", spec.Seed), ("trainSize", spec.TrainSize), ("testSize", spec.TestSize) })
                if (value is not null)
                    Error(field, "applies only to kind \"builtin-text\"; Penn Treebank has fixed splits (use trainLimit / testLimit to read fewer words)");
            if (checkFiles && spec.Path is not null)
            {
                if (!Directory.Exists(spec.Path)) Error("path", $"folder '{spec.Path}' does not exist");
                else if (PtbFolder.Locate(spec.Path) is null) Error("path", $"'{spec.Path}' holds no Penn Treebank files; expected {PtbFolder.Expected}");
            }
            else if (checkFiles && ResolveFolder(spec, catalog) is null)
            {
                Error("path", $"Penn Treebank was not found in the data folders ({string.Join(", ", SearchFolders(catalog ?? Data.DatasetCatalog.Default))}); " +
                              $"set dataset.path to a folder holding {PtbFolder.Expected}");
            }
        }
        if (spec.TrainLimit is { } train && train < MinTokens)
            Error("trainLimit", $"counts training words for a text dataset: at least {MinTokens} (got {train:N0}); remove it to use the whole training text");
        if (spec.TestLimit is { } test && test < MinTokens)
            Error("testLimit", $"counts validation and test words for a text dataset: at least {MinTokens} (got {test:N0}); remove it to use them whole");
        return errors;
    }

    /// <summary>Validates, reads or makes the corpus, and applies the limits.</summary>
    /// <exception cref="SpecValidationException">The spec is invalid or the folder cannot be found.</exception>
    /// <exception cref="DatasetFileException">A file is missing, empty or not text (named with its path).</exception>
    public static CorpusSplits Load(Data.DatasetSpec spec, Data.DatasetCatalog? catalog = null)
    {
        SpecValidationException.ThrowIfAny(Validate(spec, catalog));
        var corpus = spec.Kind == BuiltinText
            ? Language.BuiltinText.Generate(spec.Seed ?? 0, spec.TrainSize ?? Language.BuiltinText.DefaultTrainSentences)
            : PtbFolder.Load(ResolveFolder(spec, catalog)!);
        return corpus.Limit(spec.TrainLimit, spec.TestLimit) with { Name = DisplayName(spec) };
    }
}
