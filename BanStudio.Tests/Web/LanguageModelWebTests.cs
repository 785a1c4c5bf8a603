using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using BanStudio.Tests.Data;
using BanStudio.Web.Features.Compare;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using Bunit;
using CsvHelper;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using MudBlazor.Services;

namespace BanStudio.Tests.Web;

/// <summary>
/// A tiny language-model experiment (an LSTM on the built-in text, teacher and BAN+L, two seeds) submitted over
/// HTTP to a real server, trained by the queue, watched over a real SignalR connection, and read back from the
/// SQLite file, both CSVs and the Table 6 comparison.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class LanguageModelWebTests : IDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public const string TinyLanguageSpec = """
        {
          "name": "lm-web",
          "dataset": { "kind": "builtin-text", "trainSize": 40 },
          "teacher": { "family": "lstm", "units": 16, "layers": 1, "dropout": 0, "tieWeights": true, "initRange": 0.1 },
          "generations": 0,
          "treatments": ["ban+l"],
          "ensembles": false,
          "schedule": { "epochs": 2, "batchSize": 4, "learningRate": 1, "momentum": 0, "nesterov": false, "weightDecay": 0,
                        "schedule": "plateau", "gamma": 0.25, "clipGradNorm": 5 },
          "seeds": [1, 2]
        }
        """;

    static List<Dictionary<string, string>> ReadCsv(string text)
    {
        using var csv = new CsvReader(new StringReader(text), CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read()) rows.Add(csv.HeaderRecord!.ToDictionary(h => h, h => csv.GetField(h)!));
        return rows;
    }

    static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_language_model_experiment_trains_stores_valid_losses_and_compares_as_Table_6()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        await using var hub = await host.ConnectHubAsync();
        var epochs = new ConcurrentQueue<EpochCompletedMessage>();
        var completed = Channel.CreateUnbounded<ExperimentCompletedMessage>();
        hub.On<EpochCompletedMessage>("EpochCompleted", epochs.Enqueue);
        hub.On<ExperimentCompletedMessage>("ExperimentCompleted", m => completed.Writer.TryWrite(m));
        await hub.InvokeAsync("Subscribe", 1);

        int id = await host.SubmitAsync(TinyLanguageSpec);
        var end = await completed.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.Equal((id, "completed"), (end.ExperimentId, end.Status));

        // Over the hub: every epoch of the four trainings, each with a validation loss.
        var messages = epochs.ToList();
        Assert.Equal(8, messages.Count);
        Assert.All(messages, m => Assert.True(m.ValidLoss is { } v && double.IsFinite(v) && v > 0, $"{m}"));

        // In SQLite: the same validation losses per epoch, and the final ones on the runs.
        await using var db = new StudioDb(new DbContextOptionsBuilder<StudioDb>()
            .UseSqlite(StudioDb.ConnectionString(Path.Combine(_folder.Path, "studio.db"))).Options);
        var runs = await db.Runs.AsNoTracking().Include(r => r.EpochMetrics).Where(r => r.ExperimentId == id).OrderBy(r => r.StepIndex).ToListAsync();
        Assert.Equal([("Teacher", 1L), ("BAN+L", 1L), ("Teacher", 2L), ("BAN+L", 2L)], runs.Select(r => (r.Column, r.Seed)));
        foreach (var m in messages)
            Assert.Equal(m.ValidLoss, runs.Single(r => r.Key == m.RunKey).EpochMetrics.Single(e => e.Epoch == m.Epoch).ValidLoss);
        foreach (var run in runs)
        {
            var last = run.EpochMetrics.MaxBy(e => e.Epoch)!;
            Assert.Equal(last.ValidLoss, run.FinalValidLoss);
            Assert.Equal(last.TestLoss, run.FinalTestLoss);
        }

        // metrics.csv: perplexity columns are exp of the stored losses; results.csv is the runner's own file, perplexities included.
        var metrics = ReadCsv(await host.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv"));
        Assert.Equal(8, metrics.Count);
        foreach (var row in metrics)
        {
            Assert.Equal(Math.Exp(D(row["valid_loss"])), D(row["valid_perplexity"]), 9);
            Assert.Equal(Math.Exp(D(row["test_loss"])), D(row["test_perplexity"]), 9);
            Assert.Equal(Math.Exp(D(row["train_loss"])), D(row["train_perplexity"]), 9);
        }
        var details = await host.GetAsync(id);
        string resultsCsv = await host.Http.GetStringAsync($"/api/experiments/{id}/results.csv");
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(details.Folder, "results.csv")), resultsCsv);
        Assert.Equal(runs.Select(r => Math.Exp(r.FinalValidLoss!.Value).ToString("0.00", CultureInfo.InvariantCulture)),
            ReadCsv(resultsCsv).Select(r => r["final_valid_perplexity"]));

        // The comparison: one Table 6 row, perplexities exp(stored losses) as mean over the two seeds.
        var (comparison, missing) = await ComparisonBuilder.LoadAsync(db, [id], CancellationToken.None);
        Assert.Empty(missing);
        var row6 = Assert.Single(comparison.Rows);
        Assert.True(row6.HasValidation);
        Assert.Equal("perplexity", row6.Metric);
        Assert.Equal(runs[0].Parameters, row6.Parameters);
        Assert.True(row6.Parameters > 0);
        foreach (var column in new[] { "Teacher", "BAN+L" })
        {
            var mine = runs.Where(r => r.Column == column).ToList();
            var cell = row6.Cell(column)!;
            Assert.Equal(mine.Average(r => Math.Exp(r.FinalValidLoss!.Value)), cell.Valid!.Mean, 9);
            Assert.Equal(mine.Average(r => Math.Exp(r.FinalTestLoss!.Value)), cell.Final!.Mean, 9);
            Assert.Equal(2, cell.Valid.N);
        }
        var banL = row6.Cell("BAN+L")!;
        Assert.Equal(2, banL.Valid!.TeacherN);
        Assert.True(banL.Valid.PValue is not null || banL.Valid.NoPValueReason is not null);
        Assert.Equal(row6.Cell("Teacher")!.Valid!.Mean - banL.Valid.Mean, banL.Valid.ImprovementOverTeacher!.Value, 9);

        // The table CSV over HTTP carries the validation columns.
        var lines = ReadCsv(await host.Http.GetStringAsync($"/api/compare.csv?ids={id}"));
        Assert.Equal(row6.Cell("Teacher")!.Valid!.Mean, D(lines.Single(l => l["column"] == "Teacher")["valid_mean"]), 9);
        Assert.Equal(row6.Parameters!.Value.ToString(CultureInfo.InvariantCulture), lines[0]["parameters"]);

        // And the page's table: Table 6's columns, with these numbers.
        await using var bunit = new BunitContext();
        bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        bunit.Services.AddMudServices();
        var table = bunit.Render<ComparisonTable>(p => p.Add(x => x.Comparison, comparison));
        Assert.Empty(table.FindAll("[data-testid=compare-table]"));
        var headers = table.FindAll("[data-testid=compare-table6] thead th").Select(h => h.TextContent.Trim()).ToArray();
        Assert.Equal(["Network", "Parameters", "Teacher Val", "BAN+L Val", "Teacher Test", "BAN+L Test"], headers);
        string Value(string column, string split) =>
            table.Find($"[data-testid=\"table6-0-{column}-{split}\"] [data-testid=cell-value]").TextContent.Trim();
        static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        Assert.Equal($"{F(banL.Valid.Mean)} ± {F(banL.Valid.Std!.Value)}", Value("BAN+L", "Val"));
        var teacher = row6.Cell("Teacher")!;
        Assert.Equal($"{F(teacher.Final!.Mean)} ± {F(teacher.Final.Std!.Value)}", Value("Teacher", "Test"));
        Assert.Equal(LanguageModelTable.Millions(row6.Parameters), table.Find("[data-testid=table6-0-parameters]").TextContent.Trim());
    }
}
