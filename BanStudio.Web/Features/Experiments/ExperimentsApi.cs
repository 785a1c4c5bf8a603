using System.Text;
using System.Text.Json;
using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Web.Features.Compare;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BanStudio.Web.Features.Experiments;

/// <summary>/api/experiments: submit a spec, list, inspect, cancel, resume, delete; the CSV exports live in Compare.</summary>
public static class ExperimentsApi
{
    /// <summary>A spec is a few hundred bytes; a megabyte is generous and still refuses a mistaken upload.</summary>
    public const int MaxSpecBytes = 1 << 20;

    /// <summary>
    /// A body past <see cref="MaxSpecBytes"/> but under this is read to its end and discarded before the 413 goes
    /// out: a client that sends its whole body before reading the answer (HttpClient, fetch, Python's requests)
    /// then gets the 413 instead of a connection reset mid-upload. Past this, Kestrel cuts the connection.
    /// </summary>
    public const int MaxDrainedBytes = 16 << 20;

    public static RouteGroupBuilder MapExperimentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/experiments").WithTags("Experiments");
        group.MapPost("/", Submit)
            .WithMetadata(new RequestSizeLimitAttribute(MaxDrainedBytes))
            .Accepts<ExperimentSpec>("application/json")
            .WithSummary("Queue an experiment spec (the JSON of a `run` spec file)");
        group.MapGet("/", List).WithSummary("Every experiment, newest first, with its progress");
        group.MapGet("/{id:int}", Get).WithSummary("One experiment with its runs in plan order");
        group.MapPost("/{id:int}/cancel", Cancel).WithSummary("Stop a queued or training experiment; finished runs are kept");
        group.MapPost("/{id:int}/resume", Resume).WithSummary("Queue a stopped experiment again: finished runs are reused, an interrupted one resumes from its checkpoint");
        group.MapDelete("/{id:int}", Delete).WithSummary("Delete a stopped or finished experiment: its runs, epochs and log, and its folder of checkpoints when it trained in the app's runs folder");
        group.MapExports();
        OutputsProfiler.Map(group);
        return group;
    }

    static async Task<Results<Created<SubmittedExperiment>, ValidationProblem, ProblemHttpResult>> Submit(
        HttpRequest request, IDbContextFactory<StudioDb> dbFactory, ExperimentQueue queue, IOptions<StudioOptions> options,
        TimeProvider clock, CancellationToken ct)
    {
        string? json = await ReadLimitedAsync(request, ct);
        if (json is null)
            return TypedResults.Problem($"a spec is at most {MaxSpecBytes} bytes", statusCode: StatusCodes.Status413PayloadTooLarge);

        var submission = await new ExperimentSubmitter(dbFactory, queue, options, clock).SubmitAsync(json, ct);
        if (submission.Id is not { } id) return Invalid(submission.Errors);
        return TypedResults.Created($"/api/experiments/{id}", new SubmittedExperiment(id));
    }

    static ValidationProblem Invalid(IEnumerable<SpecError> errors) => TypedResults.ValidationProblem(
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
        title: "The experiment spec is not valid");

    /// <summary>
    /// The body as text, or null past <see cref="MaxSpecBytes"/> (whether or not the client sent a length). A client
    /// that announced a longer body and waits for "100 Continue" is answered at once, so it never sends the body.
    /// </summary>
    static async Task<string?> ReadLimitedAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxSpecBytes &&
            (request.ContentLength > MaxDrainedBytes || WaitsForContinue(request)))
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        bool tooBig = false;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                tooBig |= buffer.Length + read > MaxSpecBytes;
                if (!tooBig) buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        return tooBig ? null : Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    static bool WaitsForContinue(HttpRequest request) =>
        request.Headers.Expect.Any(v => v is not null && v.Contains("100-continue", StringComparison.OrdinalIgnoreCase));

    static async Task<Ok<ExperimentListItem[]>> List(StudioDb db, CancellationToken ct) =>
        TypedResults.Ok(await ListAsync(db, ct));

    /// <summary>The list the API returns and the placeholder page shows.</summary>
    public static async Task<ExperimentListItem[]> ListAsync(StudioDb db, CancellationToken ct)
    {
        var rows = await db.Experiments.AsNoTracking().OrderByDescending(e => e.Id)
            .Select(e => new
            {
                e.Id, e.Name, e.Status, e.Reason, e.TotalSteps, e.CreatedAt,
                Done = e.Runs.Count(r => r.Status == RunStatus.Completed || r.Status == RunStatus.Failed),
            })
            .ToListAsync(ct);
        return rows.Select(e => new ExperimentListItem(e.Id, e.Name, Words.Of(e.Status), e.Reason, e.Done, e.TotalSteps, e.CreatedAt)).ToArray();
    }

    static async Task<Results<Ok<ExperimentDetails>, NotFound>> Get(int id, StudioDb db, CancellationToken ct)
    {
        var e = await db.Experiments.AsNoTracking().Include(x => x.Runs).SingleOrDefaultAsync(x => x.Id == id, ct);
        if (e is null) return TypedResults.NotFound();
        var runs = e.Runs.OrderBy(r => r.StepIndex).ToList();
        using var spec = JsonDocument.Parse(e.SpecJson);
        return TypedResults.Ok(new ExperimentDetails(
            e.Id, e.Name, Words.Of(e.Status), e.Reason,
            runs.Count(r => r.Status is RunStatus.Completed or RunStatus.Failed), e.TotalSteps,
            e.CreatedAt, e.StartedAt, e.FinishedAt, e.Folder, spec.RootElement.Clone(), runs.Select(RunDetails.From).ToList()));
    }

    static async Task<Results<Accepted<ExperimentAction>, NotFound, ProblemHttpResult>> Cancel(int id, ExperimentControl control, CancellationToken ct) =>
        Answer(id, await control.CancelAsync(id, ct));

    static async Task<Results<Accepted<ExperimentAction>, NotFound, ProblemHttpResult>> Resume(int id, ExperimentControl control, CancellationToken ct) =>
        Answer(id, await control.ResumeAsync(id, ct));

    static async Task<Results<Ok<DeletedExperiment>, NotFound, ProblemHttpResult>> Delete(int id, ExperimentControl control, CancellationToken ct)
    {
        var result = await control.DeleteAsync(id, ct);
        return result.Outcome switch
        {
            ControlOutcome.Accepted => TypedResults.Ok(new DeletedExperiment(id, result.FilesKept)),
            ControlOutcome.NotFound => TypedResults.NotFound(),
            _ => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status409Conflict),
        };
    }

    static Results<Accepted<ExperimentAction>, NotFound, ProblemHttpResult> Answer(int id, ControlResult result) => result.Outcome switch
    {
        ControlOutcome.Accepted => TypedResults.Accepted($"/api/experiments/{id}", new ExperimentAction(id, result.Status)),
        ControlOutcome.NotFound => TypedResults.NotFound(),
        _ => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status409Conflict),
    };
}
