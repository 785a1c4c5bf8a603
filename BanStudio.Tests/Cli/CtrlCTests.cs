using System.Diagnostics;
using BanStudio.Tests.Data;
using BanStudio.Web.Cli;
using Microsoft.Data.Sqlite;

namespace BanStudio.Tests.Cli;

/// <summary>Ctrl+C on a headless <c>run</c>: a real CLI process gets SIGINT mid-training, as from a terminal.</summary>
public sealed class CtrlCTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Sigint_during_a_run_records_it_cancelled_prints_how_to_resume_and_exits_130()
    {
        string spec = _folder.File("ctrl-c.json");
        await File.WriteAllTextAsync(spec, """
            {
              "name": "ctrl-c",
              "dataset": { "kind": "builtin", "trainSize": 2000, "testSize": 100 },
              "teacher": { "family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0 },
              "generations": 1,
              "schedule": { "epochs": 30, "batchSize": 50, "learningRate": 0.05 },
              "seeds": [1]
            }
            """);
        string database = _folder.File("studio.db");
        var start = CliRun.Process("run", spec, "--out", _folder.File("runs"), "--database", database);
        start.Environment.Remove("BANSTUDIO_LIBTORCH");
        using var process = Process.Start(start)!;
        var lines = new List<string>();
        var firstEpoch = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            if (e.Data.Contains("epoch   1/30", StringComparison.Ordinal)) firstEpoch.TrySetResult();
        };
        process.BeginOutputReadLine();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await firstEpoch.Task.WaitAsync(TimeSpan.FromMinutes(3));
            using (var kill = Process.Start("kill", [InterruptSignal(process.Id), process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
                Assert.Equal(0, kill.ExitCode);
            }
            await process.WaitForExitAsync().WaitAsync(CliApp.CancelGrace + TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        process.WaitForExit(); // the last output lines
        string output;
        lock (lines) output = string.Join('\n', lines);
        Assert.True(TrainVerb.ExitCodes.Cancelled == process.ExitCode, output + await error);
        // The verb itself ended the run: it printed where things stand and how to go on (System.CommandLine's 2 s
        // default ended the process before this line, leaving the experiment marked running).
        Assert.Contains("cancelled: cancelled during epoch", output);
        Assert.Contains("the same command again resumes it", output);
        Assert.DoesNotContain("epoch  30/30", output);

        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT Status FROM Experiments";
        Assert.Equal("cancelled", read.ExecuteScalar());
    }

    /// <summary>
    /// SIGINT, as Ctrl+C sends; SIGTERM (the same handler in the CLI) where the process ignores SIGINT: a suite started in
    /// the background by a non-interactive shell inherits SIGINT ignored (bash's rule for asynchronous commands), and the
    /// CLI rightly keeps an ignored signal ignored. Seen: this test timing out in such runs, before and after any change.
    /// </summary>
    static string InterruptSignal(int pid)
    {
        string? ignored = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        ulong mask = ignored is null ? 0 : Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16);
        return (mask & (1UL << (2 - 1))) != 0 ? "-TERM" : "-INT";
    }
}
