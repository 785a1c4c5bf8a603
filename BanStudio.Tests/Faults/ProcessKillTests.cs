using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Threading.Channels;
using BanStudio.Tests.Browser;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using BanStudio.Web.Infrastructure.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;

namespace BanStudio.Tests.Faults;

/// <summary>
/// The app's process killed with SIGKILL while it trains (no shutdown code runs), then started again on the
/// same database and runs folder: what finished is kept exactly, what was cut short resumes.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ProcessKillTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task After_a_SIGKILL_mid_training_the_experiment_shows_interrupted_and_resume_finishes_it_without_retraining_finished_runs()
    {
        var first = await AppProcess.StartAsync(_folder.Path);
        var hub = await first.ConnectHubAsync();
        var epochs = Channel.CreateUnbounded<EpochCompletedMessage>();
        hub.On<EpochCompletedMessage>("EpochCompleted", m => epochs.Writer.TryWrite(m));
        await hub.InvokeAsync("Subscribe", 1);
        int id = await first.SubmitAsync(StudioHost.TinySpec("sigkill", generations: 2, epochs: 10));
        Assert.Equal(1, id);

        // Kill while BAN-1 trains: the teacher is finished and stored, BAN-1 has a checkpoint after epoch 1.
        // 10 epochs a model so BAN-1 is still training when the kill lands on a fast machine.
        using (var timeout = new CancellationTokenSource(Patience))
            await foreach (var e in epochs.Reader.ReadAllAsync(timeout.Token))
                if (e is { RunKey: "seed-1/ban-1", Epoch: 1 }) break;
        var before = await first.GetAsync(id);
        var teacher = before.Runs.Single(r => r.Key == "seed-1/teacher");
        Assert.Equal("completed", teacher.Status);
        string teacherFolder = Path.Combine(before.Folder, "seed-1", "teacher");
        string teacherCheckpoint = Hash(Path.Combine(teacherFolder, "checkpoint.bin"));
        string teacherResult = Hash(Path.Combine(teacherFolder, "result.json"));
        var teacherMetricsBefore = TeacherMetrics(await first.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv"));
        await first.KillAsync();
        Assert.True(first.HasExited);
        await first.DisposeAsync();

        await using var second = await AppProcess.StartAsync(_folder.Path);
        var after = await second.GetAsync(id);
        Assert.Equal("interrupted", after.Status);
        Assert.Equal(teacher, after.Runs.Single(r => r.Key == "seed-1/teacher"));
        Assert.Equal("interrupted", after.Runs.Single(r => r.Key == "seed-1/ban-1").Status);

        // What a person sees after the restart.
        var page = await chromium.OpenAsync(second.Address);
        var shown = await DashboardPage.WaitForAsync(page, "sigkill", "r => r.status === 'interrupted'");
        Assert.Equal((1, 4), (shown.Done, shown.Total));
        await Chromium.ScreenshotAsync(page, "dashboard-interrupted");

        await using var hub2 = await second.ConnectHubAsync();
        var resumed = new List<EpochCompletedMessage>();
        var completed = new TaskCompletionSource<ExperimentCompletedMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub2.On<EpochCompletedMessage>("EpochCompleted", m => { lock (resumed) resumed.Add(m); });
        hub2.On<ExperimentCompletedMessage>("ExperimentCompleted", m => completed.TrySetResult(m));
        await hub2.InvokeAsync("Subscribe", id);
        using (var resume = await second.Http.PostAsync($"/api/experiments/{id}/resume", null))
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        Assert.Equal("completed", (await completed.Task.WaitAsync(Patience)).Status);
        await DashboardPage.WaitForAsync(page, "sigkill", "r => r.status === 'completed' && r.done === 4");

        var done = await second.GetAsync(id);
        Assert.All(done.Runs, r => Assert.Equal("completed", r.Status));
        // The teacher was not retrained: same numbers, same checkpoint and result files to the byte, no new epochs.
        Assert.Equal(teacher, done.Runs.Single(r => r.Key == "seed-1/teacher"));
        Assert.Equal(teacherCheckpoint, Hash(Path.Combine(teacherFolder, "checkpoint.bin")));
        Assert.Equal(teacherResult, Hash(Path.Combine(teacherFolder, "result.json")));
        Assert.DoesNotContain(resumed, e => e.RunKey == "seed-1/teacher");
        // BAN-1 went on from its checkpoint, not from scratch.
        Assert.DoesNotContain(resumed, e => e is { RunKey: "seed-1/ban-1", Epoch: 1 });
        var metrics = DashboardPage.ReadCsv(await second.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv"));
        Assert.Equal(teacherMetricsBefore, TeacherMetrics(await second.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv")));
        foreach (var run in new[] { "seed-1/teacher", "seed-1/ban-1", "seed-1/ban-2" })
            Assert.Equal(Enumerable.Range(1, 10).Select(e => e.ToString(CultureInfo.InvariantCulture)),
                metrics.Where(m => m["run_key"] == run).Select(m => m["epoch"]));
    }

    [Fact]
    public async Task An_epoch_row_lost_between_its_checkpoint_and_the_database_is_restored_from_the_checkpoint_on_resume()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        int id = await host.SubmitAsync(StudioHost.TinySpec("lost-row", generations: 1, epochs: 2));
        Assert.Equal("completed", (await host.WaitUntilFinishedAsync(id, Patience)).Status);
        string complete = await host.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv");

        // What a SIGKILL just after BAN-1's last checkpoint leaves: the checkpoint holds epoch 2, the database does not.
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "studio.db")}"))
        {
            await connection.OpenAsync();
            await using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM EpochMetrics WHERE Epoch = 2 AND RunId = (SELECT Id FROM Runs WHERE Key = 'seed-1/ban-1')";
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
            // ... and an experiment the next start found running and marked interrupted (a completed one is not resumed).
            await using var interrupted = connection.CreateCommand();
            interrupted.CommandText = $"UPDATE Experiments SET Status = 'interrupted' WHERE Id = {id}";
            Assert.Equal(1, await interrupted.ExecuteNonQueryAsync());
        }
        Assert.NotEqual(complete, await host.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv"));

        using (var resume = await host.Http.PostAsync($"/api/experiments/{id}/resume", null))
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        Assert.Equal("completed", (await host.WaitUntilFinishedAsync(id, Patience)).Status);
        // Nothing retrained (every step reused), and the row is back with the very same numbers.
        Assert.Equal(complete, await host.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv"));
    }


    static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    static List<string> TeacherMetrics(string csv) => DashboardPage.ReadCsv(csv)
        .Where(m => m["run_key"] == "seed-1/teacher")
        .Select(m => string.Join(',', m["epoch"], m["train_loss"], m["test_error"], m["test_loss"])).ToList();
}
