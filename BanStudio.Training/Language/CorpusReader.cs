using System.Text;

namespace BanStudio.Training.Language;

/// <summary>
/// Reads the word-level text of Mikolov's PTB split: one sentence per line, words separated by spaces
/// (each line of the official files starts with one), <c>&lt;eos&gt;</c> appended at every line end, as
/// in Zaremba et al.'s reader. Numbers are already <c>N</c> and rare words <c>&lt;unk&gt;</c> in the files;
/// both are ordinary words here. Blank lines are skipped (they are not sentences).
/// </summary>
public static class CorpusReader
{
    /// <summary>Tokens of a text, <c>&lt;eos&gt;</c> after each non-blank line.</summary>
    public static List<string> Tokenize(TextReader reader)
    {
        var tokens = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            int before = tokens.Count;
            foreach (var word in line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)) tokens.Add(word);
            if (tokens.Count > before) tokens.Add(Vocabulary.EndOfSentence);
        }
        return tokens;
    }

    public static List<string> Tokenize(string text) => Tokenize(new StringReader(text));

    /// <summary>
    /// The tokens of one file. A missing, empty, binary or non-UTF-8 file is a <see cref="DatasetFileException"/>
    /// naming its path.
    /// </summary>
    public static List<string> ReadFile(string path)
    {
        if (!File.Exists(path)) throw new DatasetFileException(path, "file not found");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0) throw new DatasetFileException(path, "the file is empty; expected one sentence per line");
        int nul = Array.IndexOf(bytes, (byte)0);
        if (nul >= 0) throw new DatasetFileException(path, $"holds a NUL byte at offset {nul}: not a text file (expected one sentence per line)");
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException e)
        {
            throw new DatasetFileException(path, $"is not UTF-8 text ({e.Message}); expected one sentence per line");
        }
        var tokens = Tokenize(text);
        if (tokens.Count == 0) throw new DatasetFileException(path, "holds no words; expected one sentence per line");
        return tokens;
    }
}
