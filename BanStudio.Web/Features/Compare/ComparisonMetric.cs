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
    /// <summary>Top-1 test error in percent: Tables 1-5.</summary>
    public static ComparisonMetric TestError { get; } = new(
        "test_error_pct", "test error", "%", PaperResults.TestErrorPercent,
        r => r.FinalTestError * 100, r => r.BestTestError * 100, m => m.TestError * 100);

    /// <summary>
    /// The metric of an experiment's rows. Image datasets: test error. Language models (Table 6) return their
    /// perplexity metric here (its readers say where a run keeps it) and add Table 6's rows to <see cref="PaperResults"/>.
    /// </summary>
    public static ComparisonMetric For(ExperimentSpec spec) => TestError;

    /// <summary>Every metric, so a row (which names its metric by key) finds its readers again.</summary>
    public static IReadOnlyList<ComparisonMetric> All { get; } = [TestError];

    public static ComparisonMetric ByKey(string key) => All.FirstOrDefault(m => m.Key == key)
        ?? throw new KeyNotFoundException($"no comparison metric is called '{key}'; known: {string.Join(", ", All.Select(m => m.Key))}");

    /// <summary>"test error (%)", "perplexity".</summary>
    public string Label => Unit.Length == 0 ? Name : $"{Name} ({Unit})";
}
