using System.Globalization;
using BanStudio.Training.Experiments;
using CsvHelper;
using CsvHelper.Configuration.Attributes;

namespace BanStudio.Web.Features.Compare;

/// <summary>
/// compare.csv: one line per configuration and column, the final-epoch and best-epoch summaries side by side and
/// labelled, at full precision; language-model rows add Table 6's parameters and validation columns (a reader gets back exactly the numbers the page rounds), in the row's metric unit.
/// </summary>
public static class ComparisonCsv
{
    public sealed class Line
    {
        [Name("row")] public int Row { get; init; }
        [Name("configuration")] public string Configuration { get; init; } = "";
        [Name("dataset")] public string Dataset { get; init; } = "";
        [Name("teacher")] public string Teacher { get; init; } = "";
        [Name("student")] public string Student { get; init; } = "";
        [Name("schedule")] public string Schedule { get; init; } = "";
        [Name("experiments")] public string Experiments { get; init; } = "";
        [Name("metric")] public string Metric { get; init; } = "";
        [Name("column")] public string Column { get; init; } = "";
        [Name("seeds")] public string Seeds { get; init; } = "";
        [Name("final_epoch_mean")] public double? FinalMean { get; init; }
        [Name("final_epoch_std")] public double? FinalStd { get; init; }
        [Name("final_epoch_n")] public int FinalN { get; init; }
        [Name("final_epoch_best_in_row")] public bool FinalBestInRow { get; init; }
        /// <summary>The column that improvement, teacher_n and the p-values compare with: "Teacher" unless ?against= chose another.</summary>
        [Name("compared_with")] public string ComparedWith { get; init; } = "";
        [Name("final_epoch_improvement_over_teacher")] public double? FinalImprovement { get; init; }
        [Name("final_epoch_p_value")] public double? FinalPValue { get; init; }
        [Name("final_epoch_p_value_note")] public string FinalPValueNote { get; init; } = "";
        [Name("final_epoch_pairs")] public int FinalPairs { get; init; }
        [Name("final_epoch_paired_improvement")] public double? FinalPairedImprovement { get; init; }
        [Name("final_epoch_paired_p_value")] public double? FinalPairedPValue { get; init; }
        [Name("final_epoch_paired_p_value_note")] public string FinalPairedPValueNote { get; init; } = "";
        [Name("best_epoch_mean")] public double? BestMean { get; init; }
        [Name("best_epoch_std")] public double? BestStd { get; init; }
        [Name("best_epoch_n")] public int BestN { get; init; }
        [Name("best_epoch_best_in_row")] public bool BestBestInRow { get; init; }
        [Name("best_epoch_improvement_over_teacher")] public double? BestImprovement { get; init; }
        [Name("best_epoch_p_value")] public double? BestPValue { get; init; }
        [Name("best_epoch_p_value_note")] public string BestPValueNote { get; init; } = "";
        [Name("best_epoch_pairs")] public int BestPairs { get; init; }
        [Name("best_epoch_paired_improvement")] public double? BestPairedImprovement { get; init; }
        [Name("best_epoch_paired_p_value")] public double? BestPairedPValue { get; init; }
        [Name("best_epoch_paired_p_value_note")] public string BestPairedPValueNote { get; init; } = "";
        [Name("teacher_n")] public int? TeacherN { get; init; }
        [Name("unfinished_runs")] public int Unfinished { get; init; }
        [Name("failed_runs")] public int Failed { get; init; }
        [Name("paper_value")] public double? PaperValue { get; init; }
        [Name("paper_table")] public string PaperTable { get; init; } = "";
        // Table 6 (language models): the teacher's parameters and the final-epoch validation figure; empty for images.
        [Name("parameters")] public long? Parameters { get; init; }
        [Name("valid_mean")] public double? ValidMean { get; init; }
        [Name("valid_std")] public double? ValidStd { get; init; }
        [Name("valid_n")] public int? ValidN { get; init; }
        [Name("valid_best_in_row")] public bool? ValidBestInRow { get; init; }
        [Name("valid_improvement_over_teacher")] public double? ValidImprovement { get; init; }
        [Name("valid_p_value")] public double? ValidPValue { get; init; }
        [Name("valid_paired_p_value")] public double? ValidPairedPValue { get; init; }
        [Name("paper_valid_value")] public double? PaperValidValue { get; init; }
    }

    public static IEnumerable<Line> Lines(Comparison comparison) =>
        from row in comparison.Rows
        from cell in row.Cells
        select new Line
        {
            Row = row.Index, Configuration = row.Label, Dataset = row.Dataset, Teacher = row.Teacher, Student = row.Student ?? "",
            Schedule = row.Schedule, Experiments = string.Join(";", row.ExperimentIds), Metric = row.MetricLabel, Column = cell.Column,
            Seeds = string.Join(";", cell.Runs.Select(r => r.Seed)), ComparedWith = comparison.Against,
            FinalMean = cell.Final?.Mean, FinalStd = cell.Final?.Std, FinalN = cell.Final?.N ?? 0, FinalBestInRow = cell.Final?.BestInRow ?? false,
            FinalImprovement = cell.Final?.ImprovementOverTeacher, FinalPValue = cell.Final?.PValue, FinalPValueNote = cell.Final?.NoPValueReason ?? "",
            BestMean = cell.Best?.Mean, BestStd = cell.Best?.Std, BestN = cell.Best?.N ?? 0, BestBestInRow = cell.Best?.BestInRow ?? false,
            FinalPairs = cell.Final?.Pairs ?? 0, FinalPairedImprovement = cell.Final?.PairedImprovement, FinalPairedPValue = cell.Final?.PairedPValue,
            FinalPairedPValueNote = cell.Final?.NoPairedReason ?? "",
            BestImprovement = cell.Best?.ImprovementOverTeacher, BestPValue = cell.Best?.PValue, BestPValueNote = cell.Best?.NoPValueReason ?? "",
            BestPairs = cell.Best?.Pairs ?? 0, BestPairedImprovement = cell.Best?.PairedImprovement, BestPairedPValue = cell.Best?.PairedPValue,
            BestPairedPValueNote = cell.Best?.NoPairedReason ?? "",
            TeacherN = cell.Final?.TeacherN, Unfinished = cell.Unfinished, Failed = cell.Failed,
            PaperValue = cell.Paper?.Value, PaperTable = cell.Paper?.Table ?? "",
            Parameters = row.HasValidation ? row.Parameters : null,
            ValidMean = cell.Valid?.Mean, ValidStd = cell.Valid?.Std, ValidN = cell.Valid?.N, ValidBestInRow = cell.Valid?.BestInRow,
            ValidImprovement = cell.Valid?.ImprovementOverTeacher, ValidPValue = cell.Valid?.PValue, ValidPairedPValue = cell.Valid?.PairedPValue, PaperValidValue = cell.PaperValid?.Value,
        };

    public static string Write<T>(IEnumerable<T> records)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, CultureInfo.InvariantCulture, leaveOpen: true))
        {
            CsvCells.NeutraliseText(csv); // formula injection: text cells only, numbers stay numbers
            csv.WriteRecords(records);
        }
        return text.ToString();
    }
}
