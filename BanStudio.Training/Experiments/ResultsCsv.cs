using System.Globalization;
using CsvHelper;

namespace BanStudio.Training.Experiments;

/// <summary>results.csv: one row per trained model or ensemble; errors in percent, labelled final-epoch vs best-epoch.</summary>
public static class ResultsCsv
{
    public static readonly string[] Header =
    [
        "key", "seed", "column", "generation", "model", "objective", "teacher", "status", "reason",
        "final_epoch_test_error_pct", "best_epoch_test_error_pct", "best_epoch", "final_test_loss",
        "final_test_top5_error_pct", "improvement_over_teacher_pct_points", "parameters", "epochs", "wall_seconds",
        // Language models only (empty for image models): lower is better.
        "final_valid_perplexity", "final_test_perplexity",
    ];

    public static void Write(string path, IEnumerable<ModelResult> results)
    {
        using (var writer = new StreamWriter(path + ".tmp")) Write(writer, results);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The same rows to any writer (the web app serves them); the writer is left open.</summary>
    public static void Write(TextWriter writer, IEnumerable<ModelResult> results)
    {
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var h in Header) csv.WriteField(h);
        csv.NextRecord();
        foreach (var r in results)
        {
            // Text through CsvCells (formula injection); numbers as numbers.
            csv.WriteField(CsvCells.Text(r.Key));
            csv.WriteField(r.Seed);
            csv.WriteField(CsvCells.Text(r.Column));
            csv.WriteField(r.Generation);
            csv.WriteField(CsvCells.Text(r.Model));
            csv.WriteField(CsvCells.Text(r.Objective));
            csv.WriteField(CsvCells.Text(r.TeacherKey));
            csv.WriteField(r.Status.ToString().ToLowerInvariant());
            csv.WriteField(CsvCells.Text(r.Reason));
            csv.WriteField(Percent(r.FinalTestError));
            csv.WriteField(Percent(r.BestTestError));
            csv.WriteField(r.BestEpoch?.ToString(CultureInfo.InvariantCulture) ?? "");
            csv.WriteField(Number(r.FinalTestLoss));
            csv.WriteField(Percent(r.FinalTestTop5Error));
            csv.WriteField(Number(r.ImprovementOverTeacher));
            csv.WriteField(r.Parameters);
            csv.WriteField(r.Epochs);
            csv.WriteField(r.WallSeconds.ToString("0.0", CultureInfo.InvariantCulture));
            csv.WriteField(Perplexity(r.FinalValidPerplexity));
            csv.WriteField(Perplexity(r.FinalTestPerplexity));
            csv.NextRecord();
        }
        csv.Flush();
    }

    static string Percent(double? fraction) => fraction is { } f ? (f * 100).ToString("0.00", CultureInfo.InvariantCulture) : "";
    static string Perplexity(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "";
    static string Number(double? value) => value is { } v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "";
}
