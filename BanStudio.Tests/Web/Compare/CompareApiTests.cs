using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BanStudio.Tests.Data;
using BanStudio.Web.Features.Compare;
using BanStudio.Web.Infrastructure.Data;
using CsvHelper;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Tests.Web.Compare;

/// <summary>
/// The comparison exports over real HTTP from the real app (Kestrel, SQLite file): each parses back to the numbers
/// the data was chosen to give (<see cref="ComparisonData"/>), and CSV and JSON agree with each other.
/// </summary>
public sealed class CompareApiTests : IAsyncLifetime
{
    readonly TempFolder _folder = new();
    StudioHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await StudioHost.StartAsync(_folder.Path);
        // The host has migrated the file; write the experiments beside it as another process would.
        await using var db = new StudioDb(new DbContextOptionsBuilder<StudioDb>()
            .UseSqlite(StudioDb.ConnectionString(Path.Combine(_folder.Path, "studio.db"))).Options);
        ComparisonData.Seed(db);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _folder.Dispose();
    }

    async Task<List<T>> CsvAsync<T>(string url)
    {
        using var response = await _host.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StringReader(await response.Content.ReadAsStringAsync());
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        return csv.GetRecords<T>().ToList();
    }

    [Fact]
    public async Task The_table_csv_parses_back_to_the_chosen_numbers()
    {
        var lines = await CsvAsync<ComparisonCsv.Line>("/api/compare.csv?ids=1,2,3");
        var row0 = lines.Where(l => l.Row == 0).ToDictionary(l => l.Column);

        Assert.Equal(["Teacher", "BAN", "BAN+L", "BAN-1", "BAN-2", "Ens*2"], lines.Where(l => l.Row == 0).Select(l => l.Column));
        Assert.Equal((31, 1, 3), (Math.Round(row0["Teacher"].FinalMean!.Value, 9), Math.Round(row0["Teacher"].FinalStd!.Value, 9), row0["Teacher"].FinalN));
        Assert.Equal(30, row0["Teacher"].BestMean!.Value, 9);
        Assert.Equal("1;2;3", row0["Teacher"].Seeds);
        Assert.Equal("1;2", row0["Teacher"].Experiments);

        var ban1 = row0["BAN-1"];
        Assert.Equal(28, ban1.FinalMean!.Value, 9);
        Assert.Equal(3, ban1.FinalImprovement!.Value, 9);
        Assert.Equal(0.021311641128756727, ban1.FinalPValue!.Value, 9); // SciPy
        Assert.Equal(26, ban1.BestMean!.Value, 9);
        Assert.Equal(0.00804989310083772, ban1.BestPValue!.Value, 9);
        Assert.True(ban1.BestBestInRow);
        Assert.False(ban1.FinalBestInRow);

        Assert.True(row0["Ens*2"].FinalBestInRow);
        Assert.Equal(0, row0["Ens*2"].BestN);
        Assert.Null(row0["Ens*2"].BestMean);

        Assert.Equal((3, 3.0), (ban1.FinalPairs, ban1.FinalPairedImprovement!.Value));
        Assert.Equal(1 - Math.Sqrt(27) / Math.Sqrt(29), ban1.FinalPairedPValue!.Value, 12);
        Assert.Equal(1 - 4 / Math.Sqrt(18), ban1.BestPairedPValue!.Value, 12);
        Assert.Contains("exactly the same amount", row0["BAN-2"].FinalPairedPValueNote);
        Assert.Null(row0["BAN+L"].FinalPValue);
        Assert.Contains("n=3 vs n=1", row0["BAN+L"].FinalPValueNote);
        Assert.Equal(1, row0["BAN+L"].Failed);
        Assert.Equal(1, row0["BAN-2"].Unfinished);

        var paper = lines.Single(l => l.Row == 1 && l.Column == "Teacher");
        Assert.Equal((17.69, "Table 2"), (paper.PaperValue, paper.PaperTable));
        Assert.Equal(18, paper.FinalMean!.Value, 9);
        Assert.All(lines.Where(l => l.Row == 0), l => Assert.Null(l.PaperValue));
    }

    [Fact]
    public async Task The_table_json_holds_the_same_numbers_as_the_csv()
    {
        var comparison = await _host.Http.GetFromJsonAsync<Comparison>("/api/compare.json?ids=1,2,3", JsonSerializerOptions.Web);
        var lines = await CsvAsync<ComparisonCsv.Line>("/api/compare.csv?ids=1,2,3");

        Assert.Equal([1, 2, 3], comparison!.ExperimentIds);
        Assert.Equal(["Teacher", "BAN", "BAN+L", "BAN-1", "BAN-2", "Ens*2"], comparison.Columns);
        var fromJson = comparison.Rows.SelectMany(r => r.Cells.Select(c => (r.Index, c.Column, c.Final?.Mean, c.Final?.Std, c.Final?.PValue, c.Best?.Mean, c.Paper?.Value)));
        var fromCsv = lines.Select(l => (l.Row, l.Column, l.FinalMean, l.FinalStd, l.FinalPValue, l.BestMean, l.PaperValue));
        Assert.Equal(fromCsv, fromJson);
        // Each seed's own result travels in the JSON, with its experiment.
        var teacherRuns = comparison.Rows[0].Cell("Teacher")!.Runs;
        Assert.Equal([(1, 1L, 30.0), (1, 2L, 32.0), (2, 3L, 31.0)], teacherRuns.Select(r => (r.ExperimentId, r.Seed, Math.Round(r.Final!.Value, 9))));
        Assert.Equal("Table 2", comparison.Rows[1].Paper!.Numbers["BAN-1"].Table);
    }

    [Fact]
    public async Task The_per_epoch_exports_hold_every_epoch_of_every_run_in_csv_and_json()
    {
        var csv = await CsvAsync<EpochRow>("/api/compare/metrics.csv?ids=1,2");
        var json = await _host.Http.GetFromJsonAsync<List<EpochRow>>("/api/compare/metrics.json?ids=1,2", JsonSerializerOptions.Web);

        // Teacher and BAN-1 of seeds 1-3 (3 epochs each) and the first epoch of seed 3's BAN-2, still training.
        Assert.Equal(19, csv.Count);
        var epoch = csv.Single(r => r.RunKey == "seed-2/teacher" && r.Epoch == 2);
        Assert.Equal((1, 2L, "Teacher", 0.30), (epoch.ExperimentId, epoch.Seed, epoch.Column, Math.Round(epoch.TestError, 12)));
        Assert.Equal((0, "completed"), (epoch.Row, epoch.Status));
        Assert.Contains("WRN-10-1", epoch.Configuration);
        Assert.Equal("running", csv.Single(r => r.RunKey == "seed-3/ban-2").Status);
        Assert.Equal(
            csv.Select(r => (r.ExperimentId, r.RunKey, r.Epoch, r.TestError, r.TrainLoss, r.TestLoss)),
            json!.Select(r => (r.ExperimentId, r.RunKey, r.Epoch, r.TestError, r.TrainLoss, r.TestLoss)));
    }

    [Fact]
    public async Task Bad_ids_get_400_naming_the_parameter_and_unknown_ids_404_naming_the_id()
    {
        foreach (string url in new[] { "/api/compare.csv", "/api/compare.json?ids=", "/api/compare/metrics.csv?ids=1,two" })
        {
            using var response = await _host.Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains("?ids=1,2", problem.RootElement.GetProperty("errors").GetProperty("ids")[0].GetString());
        }

        using (var column = await _host.Http.GetAsync("/api/compare.csv?ids=1,2&against=Teachr"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, column.StatusCode);
            using var problem = JsonDocument.Parse(await column.Content.ReadAsStringAsync());
            Assert.Contains("'Teachr' is not a column", problem.RootElement.GetProperty("errors").GetProperty("against")[0].GetString());
        }

        using var missing = await _host.Http.GetAsync("/api/compare.json?ids=1,42");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no experiment has id 42", await missing.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Against_another_column_the_csv_says_which_and_compares_with_it()
    {
        var lines = await CsvAsync<ComparisonCsv.Line>("/api/compare.csv?ids=1,2&against=BAN-1");
        var row0 = lines.Where(l => l.Row == 0).ToDictionary(l => l.Column);
        Assert.All(lines, l => Assert.Equal("BAN-1", l.ComparedWith));
        Assert.Null(row0["BAN-1"].FinalImprovement);
        Assert.Equal(-3, row0["Teacher"].FinalImprovement!.Value, 9);
        Assert.Equal(0.5, row0["BAN-2"].FinalPairedPValue!.Value, 12);
        Assert.All(await CsvAsync<ComparisonCsv.Line>("/api/compare.csv?ids=1,2"), l => Assert.Equal("Teacher", l.ComparedWith));

        using var json = JsonDocument.Parse(await _host.Http.GetStringAsync("/api/compare.json?ids=1,2&against=BAN-1"));
        Assert.Equal("BAN-1", json.RootElement.GetProperty("against").GetString());
    }

    [Fact]
    public async Task By_test_loss_the_csv_and_json_carry_the_losses_and_a_bad_metric_gets_400_naming_the_choices()
    {
        var lines = await CsvAsync<ComparisonCsv.Line>("/api/compare.csv?ids=1,2&metric=test_loss");
        var row0 = lines.Where(l => l.Row == 0).ToDictionary(l => l.Column);
        Assert.All(lines, l => Assert.Equal("test loss (nats)", l.Metric));
        Assert.Equal(1.10, row0["Teacher"].FinalMean!.Value, 9);
        Assert.Equal(1.05, row0["BAN-1"].FinalMean!.Value, 9);
        Assert.Equal(1 - 1 / Math.Sqrt(3), row0["BAN-1"].FinalPairedPValue!.Value, 12);
        Assert.All(lines, l => Assert.Null(l.BestMean));
        Assert.All(await CsvAsync<ComparisonCsv.Line>("/api/compare.csv?ids=1,2"), l => Assert.Equal("test error (%)", l.Metric));

        using (var json = JsonDocument.Parse(await _host.Http.GetStringAsync("/api/compare.json?ids=1,2&metric=test_loss&against=BAN-1")))
        {
            Assert.Equal("test_loss", json.RootElement.GetProperty("metric").GetString());
            Assert.Equal("BAN-1", json.RootElement.GetProperty("against").GetString());
            Assert.Equal("test_loss", json.RootElement.GetProperty("rows")[0].GetProperty("metric").GetString());
        }

        using var bad = await _host.Http.GetAsync("/api/compare.json?ids=1,2&metric=accuracy");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        Assert.Contains("'accuracy' is not a metric to compare by; choose test_error_pct (the default) or test_loss",
            problem.RootElement.GetProperty("errors").GetProperty("metric")[0].GetString());
    }

    [Fact]
    public async Task The_compare_page_is_served_with_its_table_rendered()
    {
        using var response = await _host.Http.GetAsync("/compare?ids=1,2");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Prerendered, so the numbers are in the HTML (non-ASCII such as "±" arrives as a character reference).
        string html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("data-testid=\"compare-table\"", html);
        Assert.Contains("31.00 ± 1.00", html);
        Assert.Contains("href=\"/compare\"", html); // the nav link

        // By test loss: three decimals, the export links keep the choice.
        string byLoss = WebUtility.HtmlDecode(await _host.Http.GetStringAsync("/compare?ids=1,2&metric=test_loss"));
        Assert.Contains("1.100 ± 0.100", byLoss);
        Assert.Contains("Final-epoch test loss (nats)", byLoss);
        Assert.Contains("/api/compare.csv?ids=1,2&metric=test_loss", byLoss);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_compare_endpoints()
    {
        using var document = JsonDocument.Parse(await _host.Http.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        foreach (string path in new[] { "/api/compare.csv", "/api/compare.json", "/api/compare/metrics.csv", "/api/compare/metrics.json" })
        {
            var get = paths.GetProperty(path).GetProperty("get");
            Assert.Equal("ids", get.GetProperty("parameters")[0].GetProperty("name").GetString());
        }
    }
}
