using System.Net;
using System.Net.Http.Json;
using BanStudio.Tests.Data;
using BanStudio.Web.Features.Experiments;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BanStudio.Tests.Web;

/// <summary>DELETE /api/experiments/{id} on a real server and SQLite file: refused while it trains, then rows and checkpoints gone.</summary>
[Collection(TorchCollection.Name)]
public sealed class ExperimentDeleteTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_training_experiment_is_refused_a_finished_one_goes_with_its_rows_and_folder_and_another_is_untouched()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        int keep = await host.SubmitAsync(StudioHost.TinySpec("kept", generations: 1));
        await host.WaitUntilFinishedAsync(keep, TimeSpan.FromMinutes(2));
        int id = await host.SubmitAsync(StudioHost.TinySpec("deleted", generations: 1, epochs: 3));

        // Queued or training: 409 naming the way out, and nothing is removed.
        using (var refused = await host.Http.DeleteAsync($"/api/experiments/{id}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("cancel it first", await refused.Content.ReadAsStringAsync());
        }
        var finished = await host.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(2));
        Assert.Equal("completed", finished.Status);
        Assert.True(Directory.Exists(finished.Folder));
        Assert.NotEmpty(Directory.GetFiles(finished.Folder, "*", SearchOption.AllDirectories));

        var dbFactory = host.App.Services.GetRequiredService<IDbContextFactory<StudioDb>>();
        var before = await CountsAsync(dbFactory, id);
        var kept = await CountsAsync(dbFactory, keep);
        Assert.True(before.Runs > 0 && before.Epochs > 0 && before.Logs > 0, $"{before}");

        using (var deleted = await host.Http.DeleteAsync($"/api/experiments/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            Assert.Equal(new DeletedExperiment(id, null), await deleted.Content.ReadFromJsonAsync<DeletedExperiment>());
        }
        Assert.False(Directory.Exists(finished.Folder));
        using (var gone = await host.Http.GetAsync($"/api/experiments/{id}")) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using (var again = await host.Http.DeleteAsync($"/api/experiments/{id}")) Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        // The runs, epochs and log lines went with it (by the schema's cascades); the other experiment's are all there.
        Assert.Equal((0, 0, 0), await CountsAsync(dbFactory, id));
        Assert.Equal(kept, await CountsAsync(dbFactory, keep));
        await using (var db = await dbFactory.CreateDbContextAsync())
            Assert.Equal(0, await db.EpochMetrics.CountAsync(m => !db.Runs.Any(r => r.Id == m.RunId)));
        Assert.Equal("completed", (await host.GetAsync(keep)).Status);
    }

    static async Task<(int Runs, int Epochs, int Logs)> CountsAsync(IDbContextFactory<StudioDb> dbFactory, int id)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return (await db.Runs.CountAsync(r => r.ExperimentId == id), await db.EpochMetrics.CountAsync(m => m.Run!.ExperimentId == id),
            await db.LogEntries.CountAsync(l => l.ExperimentId == id));
    }

    [Fact]
    public async Task Files_outside_the_apps_own_folder_for_the_experiment_are_kept_and_the_answer_says_where()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        int id = await host.SubmitAsync(StudioHost.TinySpec("cli-like", generations: 1));
        await host.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(2));
        // As the CLI's run --out records it: a folder of the user's choosing.
        string outside = Directory.CreateDirectory(Path.Combine(_folder.Path, "my-runs", "demo")).FullName;
        File.WriteAllText(Path.Combine(outside, "results.csv"), "key\n");
        var dbFactory = host.App.Services.GetRequiredService<IDbContextFactory<StudioDb>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
            await db.Experiments.Where(e => e.Id == id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Folder, outside));

        using var deleted = await host.Http.DeleteAsync($"/api/experiments/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var answer = await deleted.Content.ReadFromJsonAsync<DeletedExperiment>();
        Assert.Contains(outside, answer!.FilesKept);
        Assert.Contains("was kept", answer.FilesKept);
        Assert.True(File.Exists(Path.Combine(outside, "results.csv")));
        using var gone = await host.Http.GetAsync($"/api/experiments/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
    [Fact]
    public async Task An_experiment_stored_without_a_folder_is_deleted_with_nothing_on_disk_to_remove()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        var dbFactory = host.App.Services.GetRequiredService<IDbContextFactory<StudioDb>>();
        int id;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            var experiment = new Experiment { Name = "no-folder", SpecJson = "{}", Status = ExperimentStatus.Cancelled, TotalSteps = 2, CreatedAt = DateTimeOffset.UtcNow };
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();
            id = experiment.Id;
        }
        Assert.Equal("", (await host.GetAsync(id)).Folder);

        using var deleted = await host.Http.DeleteAsync($"/api/experiments/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Null((await deleted.Content.ReadFromJsonAsync<DeletedExperiment>())!.FilesKept);
    }
}
