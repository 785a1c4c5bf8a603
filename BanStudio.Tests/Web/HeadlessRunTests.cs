using BanStudio.Tests.Cli;
using System.Net.Http.Json;
using BanStudio.Tests.Data;
using BanStudio.Web.Cli;
using BanStudio.Web.Features.Experiments;
using Microsoft.Data.Sqlite;

namespace BanStudio.Tests.Web;

/// <summary>
/// The CLI's <c>run</c> and the app share one SQLite file and one executor: a headless run is in the
/// browser's list with its runs, epochs and log, served by the real app started on that file afterwards.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class HeadlessRunTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_headless_run_is_listed_by_the_app_with_its_runs_metrics_and_log_and_a_rerun_continues_the_same_experiment()
    {
        string spec = _folder.File("headless.json");
        await File.WriteAllTextAsync(spec, StudioHost.TinySpec("headless", generations: 1, epochs: 2));
        string database = _folder.File("studio.db"); // where StudioHost points the app
        string outDir = _folder.File("runs-headless");

        var (code, output, error) = await CliRun.RunAsync("run", spec, "--out", outDir, "--database", database);
        Assert.True(code == 0, error + output);
        Assert.Contains($"headless: experiment 1 in {database}", output);

        await using (var host = await StudioHost.StartAsync(_folder.Path))
        {
            var listed = await host.Http.GetFromJsonAsync<ExperimentListItem[]>("/api/experiments");
            var item = Assert.Single(listed!);
            Assert.Equal(("headless", "completed", 2, 2), (item.Name, item.Status, item.DoneSteps, item.TotalSteps));
            var details = await host.GetAsync(item.Id);
            Assert.Equal(outDir, details.Folder);
            Assert.Equal(["seed-1/teacher", "seed-1/ban-1"], details.Runs.Select(r => r.Key));
            Assert.All(details.Runs, r => Assert.Equal("completed", r.Status));
            // The epochs the CLI printed are the ones stored: two per run, the last one's test error the run's final error.
            string metrics = await host.Http.GetStringAsync($"/api/experiments/{item.Id}/metrics.csv");
            Assert.Equal(5, metrics.TrimEnd().Split('\n').Length); // a header and 2 runs x 2 epochs
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(outDir, "results.csv")),
                await host.Http.GetStringAsync($"/api/experiments/{item.Id}/results.csv"));

            // The live page, served by the app for the CLI's experiment (prerendered), shows its log.
            string page = await host.Http.GetStringAsync($"/experiments/{item.Id}");
            Assert.Contains("[1/2] seed-1/teacher (Teacher, WRN-10-1", page);
            Assert.Contains("experiment completed", page);
        }
        SqliteConnection.ClearAllPools();

        // Run again into the same folder: the same experiment, nothing retrained.
        var again = await CliRun.RunAsync("run", spec, "--out", outDir, "--database", database);
        Assert.True(again.Code == 0, again.Err + again.Out);
        Assert.Contains("headless: experiment 1 in", again.Out);
        Assert.DoesNotContain("epoch   1/2", again.Out);
        Assert.Contains("(finished earlier, reused)", again.Out);
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM Experiments";
        Assert.Equal(1L, count.ExecuteScalar());

        // Marked running by a process that is alive (another CLI, or the app): a second run refuses and touches nothing.
        using var sleeper = System.Diagnostics.Process.Start("sleep", "60");
        string owner = BanStudio.Web.Infrastructure.Data.ProcessOwner.Of(sleeper.Id)!;
        using (var mark = connection.CreateCommand())
        {
            mark.CommandText = "UPDATE Experiments SET Status = 'running', Owner = $owner";
            mark.Parameters.AddWithValue("$owner", owner);
            Assert.Equal(1, mark.ExecuteNonQuery());
        }
        var refused = await CliRun.RunAsync("run", spec, "--out", outDir, "--database", database);
        Assert.Equal(1, refused.Code);
        Assert.Contains($"experiment 1 is being trained right now by process {owner}", refused.Err);
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT Status || ' ' || Owner FROM Experiments";
            Assert.Equal($"running {owner}", read.ExecuteScalar());
        }

        // Once that process is gone, the same command resumes the experiment.
        sleeper.Kill();
        await sleeper.WaitForExitAsync();
        var resumed = await CliRun.RunAsync("run", spec, "--out", outDir, "--database", database);
        Assert.True(resumed.Code == 0, resumed.Err + resumed.Out);
        Assert.Contains("by a process that is gone: resuming it", resumed.Err);
    }

    [Fact]
    public async Task A_headless_run_with_a_dataset_that_will_not_load_exits_3_and_stores_the_failure_with_its_path()
    {
        string data = _folder.Sub("cifar10");
        await File.WriteAllBytesAsync(Path.Combine(data, "test_batch.bin"), new byte[7]);
        foreach (int b in Enumerable.Range(1, 5)) await File.WriteAllBytesAsync(Path.Combine(data, $"data_batch_{b}.bin"), new byte[7]);
        string spec = _folder.File("corrupt.json");
        await File.WriteAllTextAsync(spec, StudioHost.TinySpec("corrupt").Replace(
            "{ \"kind\": \"builtin\", \"trainSize\": 300, \"testSize\": 100 }", $$"""{ "kind": "cifar10", "path": "{{data}}" }"""));
        string database = _folder.File("studio.db");

        var (code, _, error) = await CliRun.RunAsync("run", spec, "--out", _folder.File("runs-corrupt"), "--database", database, "--data-root", _folder.Path);

        Assert.Equal(TrainVerb.ExitCodes.BadData, code);
        Assert.StartsWith("dataset problem: ", error);
        Assert.Contains(data, error);
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT e.Status, l.Severity, l.Message FROM Experiments e JOIN LogEntries l ON l.ExperimentId = e.Id ORDER BY l.Id DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(("failed", "error"), (reader.GetString(0), reader.GetString(1)));
        Assert.StartsWith("experiment failed: dataset problem: ", reader.GetString(2));
        Assert.Contains(data, reader.GetString(2));
    }
}
