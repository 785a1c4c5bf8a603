namespace BanStudio.Training.Language;

/// <summary>
/// Word ids of a corpus, built from the training split only (Mikolov's convention): ids in order of
/// decreasing training frequency, ties by first appearance, so the id of a word is stable for a given
/// training text. PTB already maps rare words to <c>&lt;unk&gt;</c>; a word of the validation or test
/// split that the training text never shows (possible with a partial training file) is read as
/// <c>&lt;unk&gt;</c> too, and counted.
/// </summary>
public sealed class Vocabulary
{
    public const string EndOfSentence = "<eos>";
    public const string Unknown = "<unk>";

    readonly Dictionary<string, int> _ids;
    readonly string[] _words;

    Vocabulary(string[] words)
    {
        _words = words;
        _ids = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (int i = 0; i < words.Length; i++) _ids[words[i]] = i;
    }

    public int Count => _words.Length;
    public IReadOnlyList<string> Words => _words;
    public string this[int id] => _words[id];
    public bool Contains(string word) => _ids.ContainsKey(word);

    /// <summary>The id of <paramref name="word"/>, or null when the training text never shows it.</summary>
    public int? Find(string word) => _ids.TryGetValue(word, out int id) ? id : null;

    /// <summary>
    /// From the training tokens. <c>&lt;eos&gt;</c> and <c>&lt;unk&gt;</c> are always present (an unknown word
    /// in another split needs somewhere to go, even when training shows no <c>&lt;unk&gt;</c>).
    /// </summary>
    public static Vocabulary Build(IEnumerable<string> trainTokens)
    {
        var counts = new Dictionary<string, (int Count, int First)>(StringComparer.Ordinal);
        int position = 0;
        foreach (var token in trainTokens)
        {
            counts[token] = counts.TryGetValue(token, out var c) ? (c.Count + 1, c.First) : (1, position);
            position++;
        }
        foreach (var special in new[] { EndOfSentence, Unknown })
            if (!counts.ContainsKey(special)) counts[special] = (0, position++);
        var words = counts.OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Value.First).Select(kv => kv.Key).ToArray();
        return new Vocabulary(words);
    }

    /// <summary>Ids of <paramref name="tokens"/>; words not in the vocabulary become <c>&lt;unk&gt;</c> and are counted.</summary>
    public int[] Encode(IReadOnlyList<string> tokens, out int unknownWords)
    {
        int unk = _ids[Unknown];
        var ids = new int[tokens.Count];
        unknownWords = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (_ids.TryGetValue(tokens[i], out int id)) ids[i] = id;
            else { ids[i] = unk; unknownWords++; }
        }
        return ids;
    }
}
