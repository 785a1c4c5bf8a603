using System.Globalization;
using BanStudio.Tests.Browser;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Tests.BadInput;

/// <summary>
/// A cell a spreadsheet would run as a formula (=, +, -, @ first) is written with a leading apostrophe in
/// every CSV export; numbers, negative ones included, stay numbers.
/// </summary>
public sealed class CsvInjectionTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")")]
    [InlineData("+SUM(A1:A9)", "'+SUM(A1:A9)")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@cmd", "'@cmd")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("seed-1/teacher", "seed-1/teacher")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    public void A_text_cell_is_neutralised_only_when_it_starts_like_a_formula(string cell, string written) =>
        Assert.Equal(written, CsvCells.Text(cell));

    [Fact]
    public void Results_csv_neutralises_every_text_cell_and_keeps_negative_numbers_numeric()
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        ResultsCsv.Write(text, [new ModelResult
        {
            Key = "=1+1", Column = "+BAN-1", Seed = 1, Generation = 1, Model = "@WRN", Objective = "-ban", TeacherKey = "=teacher",
            Status = TrainingStatus.Failed, Reason = "=cmd|' /C calc'!A0", FinalTestError = 0.15, TeacherFinalTestError = 0.10,
            FinalTestLoss = -0.25, Parameters = 100, Epochs = 1, WallSeconds = 2,
        }]);
        var row = Assert.Single(DashboardPage.ReadCsv(text.ToString()));
        Assert.Equal("'=1+1", row["key"]);
        Assert.Equal("'+BAN-1", row["column"]);
        Assert.Equal("'@WRN", row["model"]);
        Assert.Equal("'-ban", row["objective"]);
        Assert.Equal("'=teacher", row["teacher"]);
        Assert.Equal("'=cmd|' /C calc'!A0", row["reason"]);
        // Worse than its teacher by 5 points, and a negative loss: both still numbers a spreadsheet can sum.
        Assert.Equal("-5.0000", row["improvement_over_teacher_pct_points"]);
        Assert.Equal("-0.2500", row["final_test_loss"]);
        Assert.Equal(-5.0, double.Parse(row["improvement_over_teacher_pct_points"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Both_exports_of_the_app_neutralise_hostile_text_and_keep_negative_numbers()
    {
        var options = new DbContextOptionsBuilder<StudioDb>().UseSqlite(StudioDb.ConnectionString(Path.Combine(_folder.Path, "studio.db"))).Options;
        await using (var db = new StudioDb(options))
        {
            await db.Database.MigrateAsync();
            var spec = SpecJson.Parse<ExperimentSpec>(StudioHost.TinySpec("stored"), "spec");
            var experiment = new Experiment
            {
                Name = "=stored", SpecJson = SpecJson.Write(spec), Status = ExperimentStatus.Completed, CreatedAt = DateTimeOffset.UtcNow,
                TotalSteps = 1, Folder = Path.Combine(_folder.Path, "runs", "experiment-1"),
            };
            var run = new Run
            {
                Key = "=HYPERLINK(\"http://evil\")", Column = "@Teacher", Model = "WRN-10-1", Objective = "label",
                Status = RunStatus.Completed, Reason = "+reason", FinalTestError = 0.2, TeacherFinalTestError = 0.1, FinalTestLoss = -1.5,
            };
            run.EpochMetrics.Add(new EpochMetric { Epoch = 1, TrainLoss = -0.75, TestError = 0.2, LearningRate = 0.1 });
            experiment.Runs.Add(run);
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();
        }
        await using var host = await StudioHost.StartAsync(_folder.Path);

        var result = Assert.Single(DashboardPage.ReadCsv(await host.Http.GetStringAsync("/api/experiments/1/results.csv")));
        Assert.Equal(("'=HYPERLINK(\"http://evil\")", "'@Teacher", "'+reason"), (result["key"], result["column"], result["reason"]));
        Assert.Equal(("-10.0000", "-1.5000"), (result["improvement_over_teacher_pct_points"], result["final_test_loss"]));

        var metric = Assert.Single(DashboardPage.ReadCsv(await host.Http.GetStringAsync("/api/experiments/1/metrics.csv")));
        Assert.Equal(("'=HYPERLINK(\"http://evil\")", "'@Teacher"), (metric["run_key"], metric["column"]));
        Assert.Equal(-0.75, double.Parse(metric["train_loss"], CultureInfo.InvariantCulture));

        // The Compare page's two exports: no cell a spreadsheet would run, and the hostile texts still there, neutralised.
        foreach (var export in new[] { "/api/compare.csv?ids=1", "/api/compare/metrics.csv?ids=1" })
        {
            string csv = await host.Http.GetStringAsync(export);
            var rows = DashboardPage.ReadCsv(csv);
            Assert.NotEmpty(rows);
            Assert.All(rows.SelectMany(r => r.Values), cell => Assert.True(
                cell.Length == 0 || "=+-@\t\r".IndexOf(cell[0]) < 0 || double.TryParse(cell, CultureInfo.InvariantCulture, out _),
                $"{export}: a formula cell '{cell}'"));
            Assert.Contains("'@Teacher", csv);
        }
    }
}
