namespace BanStudio.Training.Data;

/// <summary>How a <c>trainLimit</c> / <c>testLimit</c> picks its images.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<LimitMode>))]
public enum LimitMode
{
    /// <summary>Classes as balanced as possible: the first images of each class in turn, in file order.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("stratified")] Stratified,
    /// <summary>The first N images in file order.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("first")] First,
}

/// <summary>Deterministic subsets for quick runs: no randomness, so a limit means the same images every time.</summary>
public static class SubsetSelection
{
    public static long[] Select(IReadOnlyList<long> labels, int classes, int count, LimitMode mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        count = Math.Min(count, labels.Count);
        return mode == LimitMode.First ? First(count) : Stratified(labels, classes, count);
    }

    public static long[] First(int count) => Enumerable.Range(0, count).Select(i => (long)i).ToArray();

    /// <summary>
    /// The first <paramref name="count"/> images when taken round-robin over the classes (each class's
    /// images in file order), returned in file order. Per-class counts differ by at most one unless a
    /// class runs out of images.
    /// </summary>
    public static long[] Stratified(IReadOnlyList<long> labels, int classes, int count)
    {
        var seen = new int[classes];
        var rank = new int[labels.Count];
        for (int i = 0; i < labels.Count; i++) rank[i] = seen[labels[i]]++;
        return Enumerable.Range(0, labels.Count)
            .OrderBy(i => rank[i]).ThenBy(i => i)
            .Take(count)
            .Order()
            .Select(i => (long)i)
            .ToArray();
    }
}
