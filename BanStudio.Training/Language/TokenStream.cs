using static TorchSharp.torch;

namespace BanStudio.Training.Language;

/// <summary>
/// One split batchified as in Zaremba et al.: the word stream is cut into <see cref="BatchSize"/> contiguous
/// pieces of equal length (the last words that do not fill a piece are dropped), one per column of a
/// [steps, batch] int64 tensor, so that column b of one window continues column b of the previous one and
/// the hidden state can be carried across windows. Truncated BPTT walks it in windows of
/// <see cref="TrainingLength"/> steps; the targets are the inputs shifted by one word.
/// </summary>
public sealed class TokenStream : IDisposable
{
    public TokenStream(IReadOnlyList<int> ids, int batchSize, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        int rows = ids.Count / batchSize;
        if (rows < 2)
            throw new ArgumentException($"{ids.Count} words cannot fill {batchSize} streams of at least 2 words; use a smaller batch or more text", nameof(ids));
        var data = new long[rows * batchSize];
        // Column b holds words [b*rows, (b+1)*rows): each column is one contiguous piece of the text.
        for (int b = 0; b < batchSize; b++)
            for (int t = 0; t < rows; t++)
                data[t * batchSize + b] = ids[b * rows + t];
        Data = tensor(data, [rows, batchSize], ScalarType.Int64);
        BatchSize = batchSize;
        TrainingLength = steps;
    }

    /// <summary>[rows, batch] word ids.</summary>
    public Tensor Data { get; }
    public int BatchSize { get; }
    public int TrainingLength { get; }
    public long Rows => Data.shape[0];

    /// <summary>Words predicted in one pass: every position but the last row has a target.</summary>
    public long PredictedWords => (Rows - 1) * BatchSize;

    /// <summary>Number of BPTT windows; the last one may be shorter.</summary>
    public int Windows => (int)((Rows - 1 + TrainingLength - 1) / TrainingLength);

    /// <summary>Window <paramref name="index"/>: inputs rows [i, i+len) and targets rows [i+1, i+1+len) (views, no copy).</summary>
    public (Tensor Input, Tensor Target) Window(int index)
    {
        long start = (long)index * TrainingLength;
        long length = Math.Min(TrainingLength, Rows - 1 - start);
        if (index < 0 || length <= 0) throw new ArgumentOutOfRangeException(nameof(index), index, $"there are {Windows} windows");
        return (Data.narrow(0, start, length), Data.narrow(0, start + 1, length));
    }

    public void Dispose() => Data.Dispose();
}
