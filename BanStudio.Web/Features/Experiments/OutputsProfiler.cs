using System.Globalization;
using System.Text;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BanStudio.Web.Features.Experiments;

/// <summary>One step of <see cref="OutputsReport"/>: its profile (section 3.2), or the checkpoints it lacks.</summary>
/// <see cref="Epochs"/>: the epochs its checkpoint holds; fewer than the report's <c>ScheduledEpochs</c> for a step a cancel or crash stopped.
/// <see cref="MatchesSpec"/>: false when its checkpoint was trained for another configuration than the experiment's spec (see <see cref="StepOutputs"/>).
public sealed record OutputsRow(string Key, string Column, long Seed, int Generation, OutputProfile? Profile, IReadOnlyList<string> Missing, int? Epochs,
    bool? MatchesSpec);

/// <summary>
/// An experiment's <see cref="ExperimentOutputs"/> on one split, as the API and the live page show it. <see cref="ClassNames"/>
/// names the rows and columns of each profile's <see cref="OutputProfile.ClassMeans"/>.
/// </summary>
public sealed record OutputsReport(int ExperimentId, string Experiment, string Split, int Images, double Temperature, int ScheduledEpochs,
    IReadOnlyList<string> ClassNames, IReadOnlyList<OutputsRow> Rows, string? TestLimit = null)
{
    /// <summary>The query that asks for this report again (its CSV links): <c>split=test&amp;testLimit=all</c>; not part of the JSON.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Query => $"split={Split}" + (TestLimit is { } limit ? $"&testLimit={Uri.EscapeDataString(limit)}" : "");
}

/// <summary>A report, or why there is none: the HTTP status and a message naming what to do.</summary>
public sealed record OutputsResult(OutputsReport? Report, int Status, string? Problem)
{
    public static OutputsResult Refused(int status, string problem) => new(null, status, problem);
}

/// <summary>
/// Profiles a finished (or stopped) experiment's models from their checkpoints on the training thread, for
/// <c>GET /api/experiments/{id}/outputs.json|csv</c> and the live page's Outputs panel. Refused while the experiment is
/// queued or training, and while another one trains here (the training thread is busy: a profile would wait for it).
/// </summary>
public sealed class OutputsProfiler(IDbContextFactory<StudioDb> dbFactory, IOptions<StudioOptions> options, ExperimentQueue queue)
{
    /// <param name="testLimit">Null: the spec's test images; <c>all</c> or a number: that many instead (split test only), to score
    /// the trained models on more test images than the spec trained with.</param>
    public async Task<OutputsResult> ProfileAsync(int id, string split, CancellationToken ct, string? testLimit = null)
    {
        if (!ExperimentOutputs.Splits.Contains(split))
            return OutputsResult.Refused(StatusCodes.Status400BadRequest, $"split must be \"{ExperimentOutputs.TrainSplit}\" or \"{ExperimentOutputs.TestSplit}\", not \"{split}\"");
        Experiment? experiment;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            experiment = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct);
        if (experiment is null) return OutputsResult.Refused(StatusCodes.Status404NotFound, $"experiment {id} does not exist");
        if (experiment.Status is ExperimentStatus.Queued or ExperimentStatus.Running)
            return OutputsResult.Refused(StatusCodes.Status409Conflict,
                $"experiment {id} is {Words.Of(experiment.Status)}: profile its outputs once it has ended (or cancel it)");
        if (queue.RunningHere.FirstOrDefault() is var other and > 0)
            return OutputsResult.Refused(StatusCodes.Status409Conflict,
                $"experiment {other} is training in this app and holds the training thread; profile outputs once it has ended");
        var spec = SpecJson.Parse<ExperimentSpec>(experiment.SpecJson, "experiment spec");
        if (ExperimentOutputs.Unsupported(spec) is { } why) return OutputsResult.Refused(StatusCodes.Status409Conflict, why);
        var dataset = spec.Dataset;
        string? scoredOn = null; // the override as the report names it: "all" or the number
        if (testLimit is not null)
        {
            if (!ExperimentOutputs.TryTestLimit(testLimit, split, dataset, out var limit, out var wrong))
                return OutputsResult.Refused(StatusCodes.Status400BadRequest, $"testLimit: {wrong}");
            dataset = dataset with { TestLimit = limit };
            scoredOn = limit?.ToString(CultureInfo.InvariantCulture) ?? ExperimentOutputs.WholeTestSet;
        }

        ImageSplits data;
        try
        {
            var catalog = new DatasetCatalog(options.Value.EffectiveDataRoots, includeSystemFolders: false);
            data = await Task.Run(() => TorchThreads.Serially(() => dataset.Load(catalog)), ct);
        }
        catch (Exception e) when (e is DatasetFileException or SpecValidationException)
        {
            return OutputsResult.Refused(StatusCodes.Status409Conflict, $"the dataset cannot be read: {e.Message}");
        }
        using (data)
        {
            var plan = ExperimentPlan.Create(spec);
            IReadOnlyList<StepOutputs> steps;
            try { steps = await ExperimentOutputs.ProfileAsync(plan, experiment.Folder, data, split, ct: ct); }
            catch (InvalidDataException e)
            {
                return OutputsResult.Refused(StatusCodes.Status409Conflict, $"a checkpoint cannot be read: {e.Message}");
            }
            var rows = steps.Select(s => new OutputsRow(s.Step.Key, s.Step.Column, s.Step.Seed, s.Step.Generation, s.Profile, s.Missing, s.Epochs, s.MatchesSpec)).ToList();
            int images = split == ExperimentOutputs.TestSplit ? data.Test.Count : data.Train.Count;
            var names = Enumerable.Range(0, data.Shape.Classes).Select(c => ExperimentOutputs.ClassName(data.ClassNames, c)).ToList();
            return new OutputsResult(new OutputsReport(id, experiment.Name, split, images, spec.Temperature, spec.Schedule.Epochs, names, rows, scoredOn),
                StatusCodes.Status200OK, null);
        }
    }

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/{id:int}/outputs.json", Json).WithSummary(
            "Section 3.2's profile of every trained model and ensemble (?split=train|test; with test, ?testLimit=all or a number scores on that many test images instead of the spec's): error, loss, mean p of the true class, CWTM's max-p weight and spread, dark-knowledge mass and entropy, p* histogram");
        group.MapGet("/{id:int}/outputs.csv", Csv).WithSummary("The same profile as CSV, one row per profiled step");
        group.MapGet("/{id:int}/outputs-classes.csv", ClassesCsv).WithSummary(
            "The dark knowledge by class as CSV: the mean probability of every class on the images of every true class, one row per (step, true class, class)");
    }

    static async Task<Results<Ok<OutputsReport>, ProblemHttpResult>> Json(int id, OutputsProfiler profiler, CancellationToken ct,
        string split = ExperimentOutputs.TrainSplit, string? testLimit = null)
    {
        var result = await profiler.ProfileAsync(id, split, ct, testLimit);
        return result.Report is { } report ? TypedResults.Ok(report) : Problem(result);
    }

    static Task<Results<FileContentHttpResult, ProblemHttpResult>> Csv(int id, OutputsProfiler profiler, CancellationToken ct,
        string split = ExperimentOutputs.TrainSplit, string? testLimit = null) =>
        CsvFile(id, profiler, split, testLimit, "outputs", (text, report) => ExperimentOutputs.WriteCsv(text, report.Split,
            report.Rows.Select(r => (report.Experiment, r.Key, r.Column, r.Seed, r.Generation, r.Profile, r.Epochs, r.MatchesSpec))), ct);

    static Task<Results<FileContentHttpResult, ProblemHttpResult>> ClassesCsv(int id, OutputsProfiler profiler, CancellationToken ct,
        string split = ExperimentOutputs.TrainSplit, string? testLimit = null) =>
        CsvFile(id, profiler, split, testLimit, "outputs-classes", (text, report) => ExperimentOutputs.WriteClassesCsv(text, report.Split,
            report.ClassNames, report.Rows.Select(r => (report.Experiment, r.Key, r.Column, r.Profile))), ct);

    static async Task<Results<FileContentHttpResult, ProblemHttpResult>> CsvFile(int id, OutputsProfiler profiler, string split, string? testLimit, string name,
        Action<TextWriter, OutputsReport> write, CancellationToken ct)
    {
        var result = await profiler.ProfileAsync(id, split, ct, testLimit);
        if (result.Report is not { } report) return Problem(result);
        var text = new StringWriter(CultureInfo.InvariantCulture);
        write(text, report);
        return TypedResults.File(Encoding.UTF8.GetBytes(text.ToString()), "text/csv; charset=utf-8", $"experiment-{id}-{name}-{report.Split}{(report.TestLimit is { } limit ? "-" + limit : "")}.csv");
    }

    static ProblemHttpResult Problem(OutputsResult result) => TypedResults.Problem(result.Problem, statusCode: result.Status);
}
