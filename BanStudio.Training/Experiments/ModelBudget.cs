using System.Globalization;
using BanStudio.Training.Data;
using BanStudio.Training.Models;

namespace BanStudio.Training.Experiments;

/// <summary>
/// Refuses networks that would exhaust memory before anything is allocated: first coarse ceilings on the
/// numbers that size a network (a depth of a million would take minutes just to describe), then the exact
/// parameter count, computed on libtorch's meta device (shapes only, no memory).
/// </summary>
public static class ModelBudget
{
    /// <summary>Four times the paper's largest network (DenseNet-80-120, 50.4M): room for research, not for a typo.</summary>
    public const long MaxParameters = 200_000_000;
    public const int MaxDepth = 1_000;
    public const int MaxWiden = 64;
    public const int MaxGrowth = 1_024;
    public const int MaxUnitsPerBlock = 500;
    public const int MaxStemChannels = 4_096;
    public const double MaxWidthRatio = 16;

    public static IReadOnlyList<SpecError> Check(string field, ModelSpec model, DataShape shape)
    {
        var errors = new List<SpecError>();
        void Ceiling(string name, double value, double max) => AddCeiling(errors, $"{field}.{name}", value, max);

        switch (model)
        {
            case WideResNetSpec w:
                Ceiling("depth", w.Depth, MaxDepth);
                Ceiling("widen", w.Widen, MaxWiden);
                break;
            case PreResNetSpec p:
                Ceiling("depth", p.Depth, MaxDepth);
                break;
            case DenseNetSpec d:
                CheckDenseNet("", d);
                break;
            case BanResNetSpec b:
                CheckDenseNet("teacher.", b.Teacher);
                Ceiling("unitsPerBlock", b.UnitsPerBlock, MaxUnitsPerBlock);
                Ceiling("widthRatio", b.WidthRatio, MaxWidthRatio);
                break;
        }
        if (errors.Count > 0) return errors;

        long parameters = model.CountParameters(shape);
        if (parameters > MaxParameters)
            errors.Add(new(field, string.Create(CultureInfo.InvariantCulture,
                $"{model.DisplayName} has {parameters / 1e6:#,0.0}M parameters for {shape}; at most {MaxParameters / 1e6:0}M are accepted (WRN-28-10 has 36.5M, DenseNet-80-120 50.4M): make it narrower or shallower")));
        return errors;

        void CheckDenseNet(string prefix, DenseNetSpec d)
        {
            AddCeiling(errors, $"{field}.{prefix}depth", d.Depth, MaxDepth);
            AddCeiling(errors, $"{field}.{prefix}growth", d.Growth, MaxGrowth);
            foreach (int units in d.UnitsPerBlock ?? []) AddCeiling(errors, $"{field}.{prefix}unitsPerBlock", units, MaxUnitsPerBlock);
            foreach (int growth in d.GrowthPerBlock ?? []) AddCeiling(errors, $"{field}.{prefix}growthPerBlock", growth, MaxGrowth);
            if (d.StemChannels is { } stem) AddCeiling(errors, $"{field}.{prefix}stemChannels", stem, MaxStemChannels);
        }
    }

    static void AddCeiling(List<SpecError> errors, string field, double value, double max)
    {
        if (value > max)
            errors.Add(new(field, string.Create(CultureInfo.InvariantCulture,
                $"{value:#,0.##} is too large: at most {max:#,0.##} (the paper's largest networks are far below)")));
    }
}
