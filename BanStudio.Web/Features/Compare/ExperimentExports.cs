using System.Globalization;
using System.Text;
using BanStudio.Training.Experiments;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using CsvHelper;
using CsvHelper.Configuration.Attributes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Features.Compare;

/// <summary>
/// The CSV exports of one experiment: results.csv is exactly the file the runner (and the <c>run</c> verb)
/// writes, rebuilt from the database; metrics.csv has every epoch of every run, for curves elsewhere.
/// </summary>
public static class ExperimentExports
{
    public static void MapExports(this RouteGroupBuilder group)
    {
        group.MapGet("/{id:int}/results.csv", Results).WithSummary("One row per finished run, the columns of the runner's results.csv");
        group.MapGet("/{id:int}/metrics.csv", Metrics).WithSummary("One row per epoch of every run");
        group.MapGet("/{id:int}/spec.json", Spec).WithSummary("The experiment's spec, the file `run` and the wizard's upload read");
    }

    static async Task<Results<FileContentHttpResult, NotFound>> Results(int id, StudioDb db, CancellationToken ct)
    {
        if (!await db.Experiments.AnyAsync(e => e.Id == id, ct)) return TypedResults.NotFound();
        var runs = await db.Runs.AsNoTracking().Where(r => r.ExperimentId == id).OrderBy(r => r.StepIndex).ToListAsync(ct);
        var text = new StringWriter(CultureInfo.InvariantCulture);
        // A run still training has no result yet; the runner's file leaves it out too.
        ResultsCsv.Write(text, runs.Select(ExperimentRecorder.ToModelResult).OfType<ModelResult>());
        return Csv(text, $"experiment-{id}-results.csv");
    }

    /// <summary>The spec as stored (what the queue runs), to run elsewhere with <c>run</c> or to edit and upload.</summary>
    static async Task<Results<FileContentHttpResult, NotFound>> Spec(int id, StudioDb db, CancellationToken ct)
    {
        var json = await db.Experiments.Where(e => e.Id == id).Select(e => e.SpecJson).FirstOrDefaultAsync(ct);
        if (json is null) return TypedResults.NotFound();
        return TypedResults.File(Encoding.UTF8.GetBytes(json + "\n"), "application/json; charset=utf-8", $"experiment-{id}-spec.json");
    }

    static async Task<Results<FileContentHttpResult, NotFound>> Metrics(int id, StudioDb db, CancellationToken ct)
    {
        if (!await db.Experiments.AnyAsync(e => e.Id == id, ct)) return TypedResults.NotFound();
        var rows = await db.EpochMetrics.AsNoTracking().Where(m => m.Run!.ExperimentId == id)
            .OrderBy(m => m.Run!.StepIndex).ThenBy(m => m.Epoch)
            .Select(m => new MetricsRow
            {
                RunKey = m.Run!.Key, Column = m.Run.Column, Seed = m.Run.Seed, Generation = m.Run.Generation, Epoch = m.Epoch,
                TrainLoss = m.TrainLoss, TrainError = m.TrainError, TestLoss = m.TestLoss, TestError = m.TestError,
                TestTop5Error = m.TestTop5Error, LearningRate = m.LearningRate, Seconds = m.Seconds, ImagesPerSecond = m.ImagesPerSecond,
                ValidLoss = m.ValidLoss,
            })
            .ToListAsync(ct);
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, CultureInfo.InvariantCulture, leaveOpen: true))
        {
            CsvCells.NeutraliseText(csv); // formula injection: text cells only, numbers stay numbers
            csv.WriteRecords(rows);
        }
        return Csv(text, $"experiment-{id}-metrics.csv");
    }

    static FileContentHttpResult Csv(StringWriter text, string name) =>
        TypedResults.File(Encoding.UTF8.GetBytes(text.ToString()), "text/csv; charset=utf-8", name);

    /// <summary>
    /// Errors are fractions here (not percent as in results.csv), at full precision, for plotting. Language models
    /// (a <see cref="ValidLoss"/>): losses are per word, the error is next-word error, images_per_second counts
    /// training words, and the three perplexity columns are filled (empty for image models).
    /// </summary>
    public sealed class MetricsRow
    {
        [Name("run_key")] public string RunKey { get; init; } = "";
        [Name("column")] public string Column { get; init; } = "";
        [Name("seed")] public long Seed { get; init; }
        [Name("generation")] public int Generation { get; init; }
        [Name("epoch")] public int Epoch { get; init; }
        [Name("train_loss")] public double TrainLoss { get; init; }
        [Name("train_error")] public double TrainError { get; init; }
        [Name("test_loss")] public double TestLoss { get; init; }
        [Name("test_error")] public double TestError { get; init; }
        [Name("test_top5_error")] public double? TestTop5Error { get; init; }
        [Name("learning_rate")] public double LearningRate { get; init; }
        [Name("seconds")] public double Seconds { get; init; }
        [Name("images_per_second")] public double ImagesPerSecond { get; init; }
        [Name("valid_loss")] public double? ValidLoss { get; init; }
        [Name("train_perplexity")] public double? TrainPerplexity => ValidLoss is null ? null : Math.Exp(TrainLoss);
        [Name("valid_perplexity")] public double? ValidPerplexity => ValidLoss is { } v ? Math.Exp(v) : null;
        [Name("test_perplexity")] public double? TestPerplexity => ValidLoss is null ? null : Math.Exp(TestLoss);
    }
}
