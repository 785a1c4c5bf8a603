using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Cli;

/// <summary>The app's database and executor for a headless verb, configured as the app is (appsettings.json, then environment).</summary>
public static class StudioStore
{
    /// <param name="dataRoots">The data folders the executor may read (the verb's own list); null keeps the configured ones.</param>
    public static ServiceProvider Build(string? databasePath, IReadOnlyList<string>? dataRoots = null)
    {
        var overrides = new List<KeyValuePair<string, string?>>();
        if (databasePath is not null) overrides.Add(new($"{StudioOptions.Section}:{nameof(StudioOptions.DatabasePath)}", databasePath));
        for (int i = 0; i < (dataRoots?.Count ?? 0); i++)
            overrides.Add(new($"{StudioOptions.Section}:{nameof(StudioOptions.DataRoots)}:{i}", dataRoots![i]));
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(overrides)
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(); // no providers: the verb prints what a user needs itself
        services.AddStudioStore(configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// The experiment to train, queued: the one that last ran this same spec in this folder (so a re-run
    /// continues it, as its checkpoints do), else a new one. <paramref name="warn"/> hears when that one was
    /// still marked running by a process that is gone (it is resumed), and null comes back when a live process
    /// is still training it (the caller stops: two trainings of one folder would overwrite each other).
    /// </summary>
    public static async Task<Experiment?> QueueAsync(IDbContextFactory<StudioDb> dbFactory, ExperimentExecutor executor,
        ExperimentSpec spec, string folder, Action<string> warn, CancellationToken ct)
    {
        string json = SpecJson.Write(spec);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var previous = await db.Experiments.Where(e => e.Folder == folder).OrderByDescending(e => e.Id).FirstOrDefaultAsync(ct);
        if (previous is null || previous.SpecJson != json) return await executor.CreateAsync(spec, folder, ct);
        if (previous.Status == ExperimentStatus.Running && ProcessOwner.IsAlive(previous.Owner) && previous.Owner != ProcessOwner.Current)
        {
            // Two trainings in one folder would overwrite each other's checkpoints and rows.
            warn($"experiment {previous.Id} is being trained right now by process {previous.Owner} in {folder}: wait for it, cancel it from the app, or give this run another --out folder");
            return null;
        }
        if (previous.Status == ExperimentStatus.Running)
            warn($"experiment {previous.Id} was still marked running in {folder}, by a process that is gone: resuming it");
        // Only if nobody changed it since it was read: the app may have resumed it meanwhile, and two trainings of
        // one folder would overwrite each other.
        var (seen, owner) = (previous.Status, previous.Owner);
        int taken = await db.Experiments.Where(e => e.Id == previous.Id && e.Status == seen && e.Owner == owner)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.Status, ExperimentStatus.Queued).SetProperty(e => e.Reason, (string?)null)
                .SetProperty(e => e.FinishedAt, (DateTimeOffset?)null), ct);
        if (taken == 0)
        {
            warn($"experiment {previous.Id} in {folder} changed while this run was starting (the app resumed or deleted it?): run again once it is stopped, or give this run another --out folder");
            return null;
        }
        previous.Status = ExperimentStatus.Queued;
        previous.Reason = null;
        previous.FinishedAt = null;
        return previous;
    }
}
