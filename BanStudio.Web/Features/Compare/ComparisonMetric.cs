using BanStudio.Training.Experiments;
using BanStudio.Web.Infrastructure.Data;

namespace BanStudio.Web.Features.Compare;

/// <summary>
/// What a comparison row measures, and how to read it from a stored run and from one of its epochs, already in the
/// unit shown (percent for errors). Lower is better for every metric here (error, perplexity), which is what "best in
/// the row" and "improvement over the teacher" assume. <see cref="PaperKey"/> names the unit of the paper's numbers
/// (<see cref="PaperResults"/>) that may stand beside ours.
/// </summary>
public sealed record ComparisonMetric(
    string Key, string Name, string Unit, string PaperKey,
    Func<Run, double?> Final, Func<Run, double?> Best, Func<EpochRow, double> Epoch)
{
    /// <summary><see cref="TestError"/>'s key: the default of every ?metric= (a constant, so defaults can name it).</summary>
    public const string TestErrorKey = "test_error_pct";

    /// <summary>Decimals the page shows (the exports keep full precision): 2 for percentages and perplexities, 3 for losses.</summary>
    public int Decimals { get; init; } = 2;

    /// <summary>Why the best-epoch view has no figure for this metric; null when it has one.</summary>
    public string? NoBestReason { get; init; }

    /// <summary>
    /// The final-epoch validation figure, for metrics whose paper table reports one beside the test figure (Table 6's
    /// Val columns); null for the image metrics, whose datasets have no validation split.
    /// </summary>
    public Func<Run, double?>? Valid { get; init; }

    /// <summary>Whether rows of this metric are laid out as Table 6 (Val and Test columns per model, with Parameters).</summary>
    public bool HasValidation => Valid is not null;

    /// <summary>Top-1 test error in percent: Tables 1-5.</summary>
    public static ComparisonMetric TestError { get; } = new(
        TestErrorKey, "test error", "%", PaperResults.TestErrorPercent,
        r => r.FinalTestError * 100, r => r.BestTestError * 100, m => m.TestError * 100);

    /// <summary>
    /// Word-level perplexity, exp(loss per word): Table 6. Final is the test split's, <see cref="Valid"/> the
    /// validation split's, both after the last epoch as the paper reports them. A run keeps no best-perplexity epoch
    /// (its best epoch is chosen by next-word error), so Best is empty rather than a figure picked by another metric.
    /// </summary>
    public static ComparisonMetric Perplexity { get; } = new(
        "perplexity", "perplexity", "", PaperResults.PerplexityKey,
        r => r.FinalValidLoss is not null && r.FinalTestLoss is { } t ? Math.Exp(t) : null, _ => null, m => Math.Exp(m.TestLoss))
    {
        Valid = r => r.FinalValidLoss is { } v ? Math.Exp(v) : null,
        NoBestReason = "a run keeps no best-perplexity epoch (its best epoch is chosen by next-word error)",
    };

    /// <summary>
    /// Mean cross-entropy of the test images in nats, after the last epoch: how much probability a model puts on the
    /// true class, which an error rate does not see (a born-again student can be better calibrated than its teacher at
    /// the same error). A run keeps its best epoch by test error, so there is no best-epoch figure.
    /// </summary>
    public static ComparisonMetric TestLoss { get; } = new(
        "test_loss", "test loss", "nats", "",
        r => r.FinalTestLoss, _ => null, m => m.TestLoss)
    {
        Decimals = 3,
        NoBestReason = "test loss is compared at the final epoch only: a run keeps its best epoch by test error",
    };

    /// <summary>
    /// The metric of an experiment's rows: perplexity for language models (text corpora, Table 6); for image models the
    /// chosen one (<paramref name="imageMetric"/>), test error when none was chosen.
    /// </summary>
    public static ComparisonMetric For(ExperimentSpec spec, ComparisonMetric? imageMetric = null) =>
        spec.Dataset.IsText ? Perplexity : imageMetric ?? TestError;

    /// <summary>Every metric, so a row (which names its metric by key) finds its readers again.</summary>
    public static IReadOnlyList<ComparisonMetric> All { get; } = [TestError, TestLoss, Perplexity];

    /// <summary>The metrics an image row can be compared by (?metric=), the default first.</summary>
    public static IReadOnlyList<ComparisonMetric> ImageChoices { get; } = [TestError, TestLoss];

    /// <summary>
    /// ?metric= to an image metric: test error when not given; a message naming the parameter's choices otherwise.
    /// "test_error" is read as test_error_pct.
    /// </summary>
    public static bool TryParse(string? text, out ComparisonMetric metric, out string? error)
    {
        string key = string.IsNullOrWhiteSpace(text) ? TestError.Key : text.Trim();
        var chosen = string.Equals(key, "test_error", StringComparison.OrdinalIgnoreCase) ? TestError
            : ImageChoices.FirstOrDefault(m => string.Equals(m.Key, key, StringComparison.OrdinalIgnoreCase));
        metric = chosen ?? TestError;
        error = chosen is not null ? null
            : $"'{key}' is not a metric to compare by; choose {TestError.Key} (the default) or {TestLoss.Key}; language models are always compared by perplexity";
        return error is null;
    }

    public static ComparisonMetric ByKey(string key) => All.FirstOrDefault(m => m.Key == key)
        ?? throw new KeyNotFoundException($"no comparison metric is called '{key}'; known: {string.Join(", ", All.Select(m => m.Key))}");

    /// <summary>"test error (%)", "perplexity".</summary>
    public string Label => Unit.Length == 0 ? Name : $"{Name} ({Unit})";
}
