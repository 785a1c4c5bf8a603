using System.Text;

namespace BanStudio.Training.Language;

/// <summary>
/// The word-level corpus the app makes itself, so a language-model experiment needs no file: sentences of
/// a small English-like grammar (determiner, optional adjective, noun that agrees with its verb, object,
/// optional prepositional phrase or number), drawn from a seed, written as PTB writes text (lower case,
/// numbers as <c>N</c>, one sentence per line) and read back by the same <see cref="CorpusReader"/>.
/// Its about 60 words follow each other predictably enough that a small LSTM gets far below the
/// vocabulary size in perplexity within an epoch or two, but not to 1 (the choices are random).
/// </summary>
public static class BuiltinText
{
    public const string Name = "Built-in text";
    public const int DefaultTrainSentences = 3_000;
    public const int EvalSentences = 300;
    public const int MaxTrainSentences = 200_000;

    static readonly string[] Determiners = ["the", "a", "every", "this"];
    static readonly string[] Adjectives = ["small", "old", "red", "quiet", "new", "happy"];
    static readonly string[] SingularNouns = ["cat", "dog", "teacher", "student", "network", "bird"];
    static readonly string[] PluralNouns = ["cats", "dogs", "teachers", "students", "networks", "birds"];
    static readonly string[] SingularVerbs = ["sees", "likes", "teaches", "follows", "finds"];
    static readonly string[] PluralVerbs = ["see", "like", "teach", "follow", "find"];
    static readonly string[] Prepositions = ["in", "near", "under", "with"];
    static readonly string[] Places = ["the house", "the park", "the school", "the lab"];
    static readonly string[] Rare = ["zebra", "quokka", "axolotl"];

    /// <summary>The three splits; validation and test come from their own seeds, so they do not change with the training size.</summary>
    public static CorpusSplits Generate(int seed = 0, int trainSentences = DefaultTrainSentences)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trainSentences);
        var train = CorpusReader.Tokenize(Text(seed * 3 + 1, trainSentences));
        var valid = CorpusReader.Tokenize(Text(seed * 3 + 2, EvalSentences));
        var test = CorpusReader.Tokenize(Text(seed * 3 + 3, EvalSentences));
        var vocabulary = Vocabulary.Build(train);
        var v = vocabulary.Encode(valid, out int unseenValid);
        var t = vocabulary.Encode(test, out int unseenTest);
        return new CorpusSplits(seed == 0 ? Name : $"{Name} (seed {seed})", vocabulary, vocabulary.Encode(train, out _), v, t,
            unseenValid + unseenTest);
    }

    /// <summary>The text itself, one sentence per line with PTB's leading space.</summary>
    public static string Text(int seed, int sentences)
    {
        var random = new Random(seed);
        var sb = new StringBuilder();
        string Pick(string[] words) => words[random.Next(words.Length)];
        for (int s = 0; s < sentences; s++)
        {
            bool plural = random.Next(2) == 0;
            sb.Append(' ').Append(plural ? "the" : Pick(Determiners));
            if (random.Next(3) == 0) sb.Append(' ').Append(Pick(Adjectives));
            // A rare word stands in for PTB's <unk>: the reader must treat it as an ordinary word.
            sb.Append(' ').Append(random.Next(50) == 0 ? "<unk>" : Pick(plural ? PluralNouns : SingularNouns));
            sb.Append(' ').Append(Pick(plural ? PluralVerbs : SingularVerbs));
            sb.Append(' ').Append(Pick(Determiners)).Append(' ').Append(random.Next(40) == 0 ? Pick(Rare) : Pick(SingularNouns));
            switch (random.Next(4))
            {
                case 0: sb.Append(' ').Append(Pick(Prepositions)).Append(' ').Append(Pick(Places)); break;
                case 1: sb.Append(" N times"); break;
            }
            sb.Append(" \n");
        }
        return sb.ToString();
    }
}
