using System.Collections.Concurrent;
using BanStudio.Training.Data;
using BanStudio.Training.Models;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>
/// <see cref="ModelSpec.CountParameters"/> remembered per (spec, data shape): specs are records with value
/// equality, so a preset chosen again, an undo, or the review's estimate land on a count already made.
/// </summary>
public static class ParameterCounts
{
    const int MaxEntries = 512;
    static readonly ConcurrentDictionary<(ModelSpec, DataShape), long> counts = new();

    public static bool TryGet(ModelSpec spec, DataShape shape, out long count) => counts.TryGetValue((spec, shape), out count);

    /// <summary>The count, computed on libtorch's meta device the first time.</summary>
    /// <exception cref="Training.SpecValidationException">The spec is not valid.</exception>
    public static long Get(ModelSpec spec, DataShape shape)
    {
        if (counts.TryGetValue((spec, shape), out long known)) return known;
        long count = spec.CountParameters(shape);
        if (counts.Count >= MaxEntries) counts.Clear(); // a long session of typing must not grow it without end
        counts[(spec, shape)] = count;
        return count;
    }
}
