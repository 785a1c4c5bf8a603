using System.Globalization;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web.Compare;
using BanStudio.Web.Features.Compare;
using BanStudio.Web.Infrastructure.Data;
using CsvHelper;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Tests.Cli;

/// <summary>
/// <c>compare</c> over a real SQLite file holding <see cref="ComparisonData"/>: the numbers the Compare page shows
/// (worked out by hand there), by error and by loss, final and best epoch, the CSV, and the refusals.
/// </summary>
public sealed class CompareVerbTests : IDisposable
{
    readonly TempFolder _folder = new();
    readonly string _database;

    public CompareVerbTests()
    {
        _database = Path.Combine(_folder.Path, "studio.db");
        using var db = new StudioDb(new DbContextOptionsBuilder<StudioDb>().UseSqlite(StudioDb.ConnectionString(_database)).Options);
        db.Database.Migrate();
        ComparisonData.Seed(db);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>The printed line of one model, its cells split on runs of two or more spaces.</summary>
    static string[] Line(string output, string model) =>
        System.Text.RegularExpressions.Regex.Split(output.Split('\n').Single(l => l.StartsWith($"  {model} ", StringComparison.Ordinal)).Trim(), " {2,}");

    [Fact]
    public async Task Without_ids_it_lists_the_experiments_and_with_ids_prints_the_compare_pages_numbers()
    {
        var list = await CliRun.RunAsync("compare", "--database", _database);
        Assert.Equal(0, list.Code);
        Assert.Contains("wrn seeds 1 and 2", list.Out);
        Assert.Contains("densenet-90-60-cifar100", list.Out);
        Assert.Contains("compare them with: compare 1,2,3,4", list.Out);

        var (code, output, error) = await CliRun.RunAsync("compare", "1,2", "--database", _database);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("final-epoch test error (%); seeds 1, 2, 3; experiments #1, #2; Δ = teacher − model", output);
        Assert.Equal(["Teacher", "31.00 ± 1.00", "3"], Line(output, "Teacher"));
        // mean ± std, n, Δ, Welch p (SciPy 0.02131), paired Δ and p (differences 3, 4, 2 from each seed's teacher), pairs.
        Assert.Equal(["BAN-1", "28.00 ± 1.00", "3", "+3.00", "0.021", "+3.00", "0.035", "3"], Line(output, "BAN-1"));
        Assert.Equal(["BAN+L", "29.00", "1", "+2.00", "1", "1 failed"], Line(output, "BAN+L")); // one pair: no paired p
        Assert.Contains("no p-value: n=3 vs n=1; a t-test needs at least 2 seeds on each side", output);

        // --seeds: a line per seed; seed 3's BAN-2 is still training, seed 2's BAN+L failed.
        var bySeed = await CliRun.RunAsync("compare", "1,2", "--seeds", "--database", _database);
        Assert.Equal(["by seed", "Teacher", "BAN", "BAN+L", "BAN-1", "BAN-2", "Ens*2"], Line(bySeed.Out, "by seed"));
        Assert.Equal(["seed 1", "30.00", "28.50", "29.00", "27.00", "26.00", "25.00"], Line(bySeed.Out, "seed 1"));
        Assert.Equal(["seed 3", "31.00", "29.00"], Line(bySeed.Out, "seed 3"));

        var best = await CliRun.RunAsync("compare", "1,2", "--best", "--database", _database);
        Assert.Equal(["BAN-1", "26.00 ± 1.00", "3", "+4.00", "0.008", "+4.00", "0.057", "3"], Line(best.Out, "BAN-1"));
        Assert.Contains("Ens*2: no best epoch (an ensemble is evaluated once)", best.Out);
    }

    [Fact]
    public async Task By_loss_against_another_column_and_to_csv()
    {
        string csvFile = Path.Combine(_folder.Path, "table.csv");
        var (code, output, _) = await CliRun.RunAsync("compare", "1,2", "--metric", "test_loss", "--against", "BAN-1", "--csv", csvFile, "--database", _database);
        Assert.Equal(0, code);
        Assert.Contains("final-epoch test loss (nats)", output);
        Assert.Contains("Δ = BAN-1 − model", output);
        // Teacher 1.10 against BAN-1 1.05: Δ −0.050; paired over each seed's own BAN-1: differences −0.10, 0.05, −0.10.
        Assert.Equal(["Teacher", "1.100 ± 0.100", "3", "−0.050"], Line(output, "Teacher")[..4]);
        Assert.Equal("0.423", Line(output, "Teacher")[6]);

        using var reader = new StreamReader(csvFile);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var lines = csv.GetRecords<ComparisonCsv.Line>().ToList();
        Assert.All(lines, l => Assert.Equal(("test loss (nats)", "BAN-1"), (l.Metric, l.ComparedWith)));
        Assert.Equal(1.05, lines.Single(l => l.Column == "BAN-1").FinalMean!.Value, 9);
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_option_and_a_missing_database_is_not_created()
    {
        var metric = await CliRun.RunAsync("compare", "1", "--metric", "accuracy", "--database", _database);
        Assert.Equal((2, "--metric: 'accuracy' is not a metric to compare by"), (metric.Code, metric.Err[..50]));
        var against = await CliRun.RunAsync("compare", "1", "--against", "Teachr", "--database", _database);
        Assert.StartsWith("--against: 'Teachr' is not a column", against.Err);
        var ids = await CliRun.RunAsync("compare", "1,two", "--database", _database);
        Assert.StartsWith("ids: 'two' is not an experiment id", ids.Err);
        Assert.Contains("e.g. compare 1,2", ids.Err);
        var unknown = await CliRun.RunAsync("compare", "1,42", "--database", _database);
        Assert.Equal(2, unknown.Code);
        Assert.Contains("no experiment has id 42", unknown.Err);

        string absent = Path.Combine(_folder.Path, "absent.db");
        var missing = await CliRun.RunAsync("compare", "--database", absent);
        Assert.Equal(2, missing.Code);
        Assert.StartsWith($"--database: {absent} does not exist", missing.Err);
        Assert.False(File.Exists(absent));
    }
}
