using System.Net;
using BanStudio.Tests.Data;
using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Tests.Web;

/// <summary>What the app does at start-up with experiments the last run of the app left behind.</summary>
[Collection(TorchCollection.Name)]
public sealed class StartupRecoveryTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    Experiment Stored(string name, ExperimentStatus status, int id)
    {
        var spec = SpecJson.Parse<ExperimentSpec>(StudioHost.TinySpec(name, generations: 1), "spec");
        return new Experiment
        {
            Id = id, Name = name, SpecJson = SpecJson.Write(spec), Status = status, CreatedAt = DateTimeOffset.UtcNow,
            TotalSteps = ExperimentPlan.Create(spec).Steps.Count, Folder = Path.Combine(_folder.Path, "runs", $"experiment-{id}"),
        };
    }

    [Fact]
    public async Task An_experiment_a_live_process_is_training_is_left_running_and_one_of_a_dead_process_is_interrupted()
    {
        var options = new DbContextOptionsBuilder<StudioDb>().UseSqlite(StudioDb.ConnectionString(Path.Combine(_folder.Path, "studio.db"))).Options;
        await using (var db = new StudioDb(options))
        {
            await db.Database.MigrateAsync();
            // This test's own process stands in for a CLI `run` still training in the shared file.
            var elsewhere = Stored("cli", ExperimentStatus.Running, 1);
            elsewhere.Owner = ProcessOwner.Current;
            var dead = Stored("dead", ExperimentStatus.Running, 2);
            dead.Owner = "2147483646@0"; // a process id no system hands out
            db.Experiments.AddRange(elsewhere, dead);
            await db.SaveChangesAsync();
        }

        await using var host = await StudioHost.StartAsync(_folder.Path);

        Assert.Equal("running", (await host.GetAsync(1)).Status);
        Assert.Equal("interrupted", (await host.GetAsync(2)).Status);
        // The app cannot stop another process's training, and says where to.
        using var cancel = await host.Http.PostAsync("/api/experiments/1/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        Assert.Contains("another process", await cancel.Content.ReadAsStringAsync());
        using var notYours = await host.Http.PostAsync("/api/experiments/1/resume", null);
        Assert.Equal(HttpStatusCode.Conflict, notYours.StatusCode);

        // A CLI run killed while the app is up leaves "running" with a dead owner: resumable at once.
        await using (var db = new StudioDb(options))
        {
            var killed = Stored("killed", ExperimentStatus.Running, 3);
            killed.Owner = "2147483645@0";
            db.Experiments.Add(killed);
            await db.SaveChangesAsync();
        }
        using var resume = await host.Http.PostAsync("/api/experiments/3/resume", null);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        Assert.Equal("completed", (await host.WaitUntilFinishedAsync(3, TimeSpan.FromMinutes(3))).Status);
    }

    [Fact]
    public async Task A_running_experiment_left_behind_is_marked_interrupted_and_a_queued_one_trains()
    {
        var options = new DbContextOptionsBuilder<StudioDb>().UseSqlite(StudioDb.ConnectionString(Path.Combine(_folder.Path, "studio.db"))).Options;
        await using (var db = new StudioDb(options))
        {
            await db.Database.MigrateAsync();
            var crashed = Stored("crashed", ExperimentStatus.Running, 1);
            crashed.Runs.Add(new Run { Key = "seed-1/teacher", Column = "Teacher", Model = "WRN-10-1", Objective = "label", Status = RunStatus.Running });
            db.Experiments.AddRange(crashed, Stored("waiting", ExperimentStatus.Queued, 2));
            await db.SaveChangesAsync();
        }

        await using var host = await StudioHost.StartAsync(_folder.Path);
        var waiting = await WaitForAsync(host, 2, s => s is "completed" or "failed");
        Assert.Equal("completed", waiting.Status);
        Assert.Equal(["seed-1/teacher", "seed-1/ban-1"], waiting.Runs.Select(r => r.Key));

        var crashedNow = await host.GetAsync(1);
        Assert.Equal("interrupted", crashedNow.Status);
        Assert.Equal(StudioDatabase.InterruptedReason, crashedNow.Reason);
        Assert.Equal("interrupted", Assert.Single(crashedNow.Runs).Status);
        Assert.False(Directory.Exists(crashedNow.Folder)); // not re-run on its own

        using (var resume = await host.Http.PostAsync("/api/experiments/1/resume", null))
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var resumed = await WaitForAsync(host, 1, s => s is "completed" or "failed");
        Assert.Equal("completed", resumed.Status);
        Assert.All(resumed.Runs, r => Assert.Equal("completed", r.Status));
    }

    static async Task<BanStudio.Web.Features.Experiments.ExperimentDetails> WaitForAsync(StudioHost host, int id, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var details = await host.GetAsync(id);
            if (done(details.Status) || DateTime.UtcNow > deadline) return details;
            await Task.Delay(100);
        }
    }
    [Fact]
    public async Task A_process_is_told_alive_by_its_pid_and_start_and_dead_once_it_has_ended()
    {
        // A name with a space and parentheses: the owner is read past the process's name in /proc/PID/stat.
        string sleeper = Path.Combine(_folder.Path, "sl) (eep");
        File.CreateSymbolicLink(sleeper, "/bin/sleep");
        using var child = System.Diagnostics.Process.Start(sleeper, "60");
        try
        {
            string owner = ProcessOwner.Of(child.Id)!;
            Assert.StartsWith($"{child.Id}@", owner);
            Assert.True(ProcessOwner.IsAlive(owner));
            Assert.True(ProcessOwner.IsAlive(ProcessOwner.Current));
            // The same pid with another start is a reused id: not the owner.
            Assert.False(ProcessOwner.IsAlive($"{child.Id}@j1"));
            Assert.False(ProcessOwner.IsAlive($"{child.Id}@0"));
        }
        finally
        {
            child.Kill();
            await child.WaitForExitAsync();
        }
        Assert.False(ProcessOwner.IsAlive(ProcessOwner.Of(child.Id) ?? $"{child.Id}@j1"));
        Assert.Null(ProcessOwner.Of(child.Id));
    }
}
