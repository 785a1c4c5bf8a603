using BanStudio.Training.Language;

namespace BanStudio.Training.Benchmarks;

/// <summary>Random word ids over a vocabulary of a given size: a language-model benchmark's corpus, without any file.</summary>
public static class SyntheticText
{
    /// <summary>
    /// A corpus whose training stream batchifies into exactly <paramref name="windows"/> full windows of
    /// <paramref name="steps"/> for <paramref name="batchSize"/> streams (plus the one word the last target needs), and
    /// one-window validation and test streams, so that scoring after the epoch costs next to nothing.
    /// </summary>
    public static CorpusSplits Create(int vocabulary, int batchSize, int windows, int steps, int seed = 1)
    {
        // "<eos>" and "<unk>" are two of the words, so the vocabulary has exactly the size asked for.
        var words = new[] { Vocabulary.EndOfSentence, Vocabulary.Unknown }.Concat(Enumerable.Range(2, vocabulary - 2).Select(i => $"w{i}"));
        var random = new Random(seed);
        int[] Ids(int count) => Enumerable.Range(0, count).Select(_ => random.Next(vocabulary)).ToArray();
        return new CorpusSplits("synthetic", Vocabulary.Build(words), Ids(batchSize * (windows * steps + 1)), Ids(2), Ids(2));
    }
}
