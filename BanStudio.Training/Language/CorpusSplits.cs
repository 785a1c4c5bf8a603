namespace BanStudio.Training.Language;

/// <summary>
/// A word-level corpus ready to batchify: the vocabulary (from the training split) and the word ids of the
/// three splits, each a single stream with <c>&lt;eos&gt;</c> at sentence ends.
/// </summary>
/// <param name="UnknownWords">Validation and test words the training text never shows, read as &lt;unk&gt;.</param>
/// <param name="Location">The folder the files came from; null for the built-in corpus.</param>
/// <param name="Note">Something a reader of the results must know, e.g. that the training file was partial.</param>
public sealed record CorpusSplits(
    string Name,
    Vocabulary Vocabulary,
    int[] Train,
    int[] Valid,
    int[] Test,
    int UnknownWords = 0,
    string? Location = null,
    string? Note = null)
{
    /// <summary>The same corpus with the training stream cut to its first <paramref name="trainTokens"/> words and
    /// the validation and test streams to their first <paramref name="evalTokens"/>; the vocabulary stays that of the whole training file.</summary>
    public CorpusSplits Limit(int? trainTokens, int? evalTokens) => this with
    {
        Train = trainTokens is { } t && t < Train.Length ? Train[..t] : Train,
        Valid = evalTokens is { } v && v < Valid.Length ? Valid[..v] : Valid,
        Test = evalTokens is { } e && e < Test.Length ? Test[..e] : Test,
    };

    public string Describe() =>
        $"{Name}: {Train.Length:N0} train / {Valid.Length:N0} valid / {Test.Length:N0} test words, vocabulary {Vocabulary.Count:N0}" +
        (UnknownWords > 0 ? $", {UnknownWords:N0} valid/test words unseen in training read as <unk>" : "") +
        (Note is null ? "" : $"; {Note}");
}
