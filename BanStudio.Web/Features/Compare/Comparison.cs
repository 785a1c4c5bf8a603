using System.Text.Json.Serialization;
using BanStudio.Training.Experiments;

namespace BanStudio.Web.Features.Compare;

/// <summary>Which test error a table shows: after the last epoch (the paper's convention) or at the best epoch.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ErrorView>))]
public enum ErrorView { Final, Best }

/// <summary>
/// The paper's Table 2 layout over several experiments: one row per configuration (same dataset, teacher, student
/// and schedule; only the seed differs), one column per model (Teacher, Baseline, BAN, BAN+L, CWTM, DKPP, BAN-1..k,
/// Ens*2..k). Δ and the p-values of every cell compare it with the column <see cref="Against"/> ("Teacher" unless
/// chosen; the summaries' "teacher" fields then mean that column). Image rows compare <see cref="Metric"/> (a
/// <see cref="ComparisonMetric"/> key: test error unless test loss was chosen), language rows perplexity; each row
/// names its own. This record is also the JSON export.
/// </summary>
public sealed record Comparison(
    IReadOnlyList<int> ExperimentIds,
    IReadOnlyList<string> Columns,
    IReadOnlyList<ComparisonRow> Rows,
    IReadOnlyList<string> Notes,
    string Against = ExperimentPlan.TeacherColumn,
    string Metric = ComparisonMetric.TestErrorKey);

/// <summary>
/// One configuration: every run of it across the chosen experiments, by column. Language-model rows
/// (<see cref="HasValidation"/>) are laid out as Table 6: the teacher's <see cref="Parameters"/>, then each model's
/// validation figure (<see cref="ComparisonCell.Valid"/>) beside its test figure.
/// </summary>
public sealed record ComparisonRow(
    int Index,
    string Label,
    string Dataset,
    string Teacher,
    string? Student,
    string Schedule,
    int Epochs,
    bool EnsembleIncludesTeacher,
    string Metric,
    string MetricLabel,
    string Unit,
    IReadOnlyList<int> ExperimentIds,
    IReadOnlyList<long> Seeds,
    IReadOnlyList<ComparisonCell> Cells,
    PaperRow? Paper,
    IReadOnlyList<string> Notes,
    long? Parameters = null,
    bool HasValidation = false)
{
    public ComparisonCell? Cell(string column) => Cells.FirstOrDefault(c => c.Column == column);
}

/// <summary>
/// One model of one configuration: its seeds' results and their summary for each view. Runs still training,
/// interrupted or cancelled count as <see cref="Unfinished"/>, failed ones as <see cref="Failed"/>; neither enters the statistics.
/// </summary>
public sealed record ComparisonCell(
    string Column,
    IReadOnlyList<SeedResult> Runs,
    CellSummary? Final,
    CellSummary? Best,
    int Unfinished,
    int Failed,
    PaperNumber? Paper,
    CellSummary? Valid = null,
    PaperNumber? PaperValid = null)
{
    public CellSummary? In(ErrorView view) => view == ErrorView.Final ? Final : Best;
}

/// <summary>One finished run of a cell, in the row's metric unit.</summary>
public sealed record SeedResult(int ExperimentId, string RunKey, long Seed, double? Final, double? Best, int? BestEpoch);

/// <summary>
/// Mean ± std over n seeds (std null below 2), the improvement over the teacher's mean (teacher minus this, so
/// positive is better), Welch's test of the two seed groups (a p-value with its t and df, or the reason there is none),
/// and the paired test of each seed against its own teacher: <see cref="Pairs"/> seeds with both finished, the mean of
/// their differences (teacher minus this), its p-value and t (df = pairs − 1), or the reason there is none.
/// </summary>
public sealed record CellSummary(
    double Mean,
    double? Std,
    int N,
    double? ImprovementOverTeacher,
    double? PValue,
    double? T,
    double? DegreesOfFreedom,
    int? TeacherN,
    string? NoPValueReason,
    bool BestInRow,
    double? PairedPValue = null,
    double? PairedT = null,
    int Pairs = 0,
    double? PairedImprovement = null,
    string? NoPairedReason = null);
