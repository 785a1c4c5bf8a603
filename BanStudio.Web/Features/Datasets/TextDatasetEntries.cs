using BanStudio.Training.Data;
using BanStudio.Training.Language;

namespace BanStudio.Web.Features.Datasets;

/// <summary>
/// The word-level corpora for the language models as catalog rows, beside the image catalog's: the built-in text
/// (always available, made in memory) and Penn Treebank (available when a data folder holds Mikolov's files, the
/// shared partial training file included). Counts are words for PTB and sentences for the built-in text; the shape's
/// class count is the vocabulary, which is what a language model's parameter count depends on.
/// </summary>
public static class TextDatasetEntries
{
    // Mikolov's split: 929k / 73k / 82k words, 10,000-word vocabulary.
    const int PtbTrainWords = 929_589;
    const int PtbTestWords = 82_430;

    static readonly Lazy<int> builtinVocabulary = new(() => BuiltinText.Generate().Vocabulary.Count);

    /// <summary>The built-in text's vocabulary at its default size and seed (its grammar's words, with &lt;eos&gt;).</summary>
    public static int BuiltinVocabulary => builtinVocabulary.Value;

    public static IReadOnlyList<DatasetEntry> List(DatasetCatalog catalog) =>
    [
        new(Info(TextDatasets.BuiltinText), DatasetStatus.Available, null),
        TextDatasets.ResolveFolder(new DatasetSpec(TextDatasets.Ptb), catalog) is { } folder
            ? new(Info(TextDatasets.Ptb), DatasetStatus.Available, folder)
            : new(Info(TextDatasets.Ptb), DatasetStatus.NotFound, null),
    ];

    public static DatasetInfo Info(string kind) => kind == TextDatasets.Ptb
        ? new(kind, "Penn Treebank", LanguageModelSpec.ShapeFor(LanguageModelSpec.PtbVocabulary), PtbTrainWords, PtbTestWords, [],
            $"Mikolov's word-level split (words): {PtbFolder.Expected}; Table 6")
        : new(kind, BuiltinText.Name, LanguageModelSpec.ShapeFor(BuiltinVocabulary), BuiltinText.DefaultTrainSentences, BuiltinText.EvalSentences, [],
            "Sentences of a small English-like grammar made from a seed (sentences); needs no files");

    /// <summary>Where a missing PTB is looked for.</summary>
    public static IReadOnlyList<string> SearchFolders(DatasetCatalog catalog) => TextDatasets.SearchFolders(catalog);
}
