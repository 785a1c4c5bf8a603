using System.Text;
using static TorchSharp.torch;

namespace BanStudio.Training.Language;

/// <summary>
/// The character input of Kim et al.'s CNN-LSTM: every word of the vocabulary as a padded row of character
/// ids, <see cref="StartOfWord"/> first, <see cref="EndOfWord"/> after the last character, then <see cref="Padding"/>
/// to the fixed width (as in Kim et al., padding is a character with an embedding of its own). Characters are UTF-8 bytes shifted past the three markers, so the alphabet is fixed
/// (<see cref="Alphabet"/> ids) and a model's size does not depend on the corpus. Words longer than
/// <c>maxWordLength</c> bytes are cut (PTB's longest word has 19 characters).
/// </summary>
public static class CharacterTable
{
    public const int Padding = 0, StartOfWord = 1, EndOfWord = 2;
    public const int Alphabet = 256 + 3;

    /// <summary>Width of a row: the characters plus the two markers.</summary>
    public static int Width(int maxWordLength) => maxWordLength + 2;

    /// <summary>The row of one word.</summary>
    public static long[] Encode(string word, int maxWordLength)
    {
        var row = new long[Width(maxWordLength)];
        var bytes = Encoding.UTF8.GetBytes(word);
        int length = Math.Min(bytes.Length, maxWordLength);
        row[0] = StartOfWord;
        for (int i = 0; i < length; i++) row[i + 1] = bytes[i] + 3;
        row[length + 1] = EndOfWord;
        return row;
    }

    /// <summary>[vocabulary, width] int64: row i is word i's characters.</summary>
    public static Tensor Build(IReadOnlyList<string> words, int maxWordLength)
    {
        int width = Width(maxWordLength);
        var data = new long[words.Count * width];
        for (int i = 0; i < words.Count; i++) Encode(words[i], maxWordLength).CopyTo(data, i * width);
        return tensor(data, [words.Count, width], ScalarType.Int64);
    }
}
