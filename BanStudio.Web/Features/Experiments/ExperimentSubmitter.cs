using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BanStudio.Web.Features.Experiments;

/// <summary>What a submission came to: the stored experiment's id, or every problem with the spec (nothing stored then).</summary>
public sealed record Submission(int? Id, IReadOnlyList<SpecError> Errors)
{
    public bool Accepted => Id is not null;
}

/// <summary>
/// The one way an experiment enters the database and the queue: <c>POST /api/experiments</c> and the
/// New experiment wizard both come through here, so a spec the wizard launches is stored exactly as
/// the same spec posted as JSON would be.
/// </summary>
public sealed class ExperimentSubmitter(
    IDbContextFactory<StudioDb> dbFactory, ExperimentQueue queue, IOptions<StudioOptions> options, TimeProvider clock)
{
    /// <summary>Parses <paramref name="json"/> in <see cref="SpecJson"/>'s dialect, then submits it.</summary>
    public Task<Submission> SubmitAsync(string json, CancellationToken ct)
    {
        ExperimentSpec spec;
        try { spec = SpecJson.Parse<ExperimentSpec>(json, "experiment spec"); }
        catch (SpecValidationException e) { return Task.FromResult(new Submission(null, e.Errors)); }
        return SubmitAsync(spec, ct);
    }

    /// <summary>Validates with <see cref="ExperimentValidation"/>, stores the experiment as queued and enqueues it.</summary>
    public async Task<Submission> SubmitAsync(ExperimentSpec spec, CancellationToken ct)
    {
        // Dataset paths only inside the configured data roots: a request must not make the app read elsewhere.
        var errors = ExperimentValidation.Validate(spec, options.Value.EffectiveDataRoots);
        if (errors.Count > 0) return new Submission(null, errors);

        var experiment = await ExperimentExecutor.StoreAsync(dbFactory, spec, options.Value.ExperimentFolder, clock.GetUtcNow(), ct);
        await queue.EnqueueAsync(experiment.Id, ct);
        return new Submission(experiment.Id, []);
    }
}
