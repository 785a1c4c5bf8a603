using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Threading.Channels;
using BanStudio.Tests.Data;
using BanStudio.Web.Infrastructure.Live;
using CsvHelper;
using Microsoft.AspNetCore.SignalR.Client;

namespace BanStudio.Tests.Web;

/// <summary>
/// Experiments submitted over HTTP, trained by the hosted queue and watched over a real SignalR
/// connection, on a real server with a real SQLite file (tiny models, one or two epochs each).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ExperimentLifecycleTests : IDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Everything the hub sends to one subscriber, in arrival order.</summary>
    sealed class HubRecorder
    {
        public readonly ConcurrentQueue<EpochCompletedMessage> Epochs = new();
        public readonly ConcurrentQueue<RunStatusChangedMessage> RunStatuses = new();
        public readonly ConcurrentQueue<BatchProgressMessage> Batches = new();
        public readonly Channel<ExperimentCompletedMessage> Completed = Channel.CreateUnbounded<ExperimentCompletedMessage>();
        public readonly Channel<RunStatusChangedMessage> RunStatusStream = Channel.CreateUnbounded<RunStatusChangedMessage>();

        public HubRecorder(HubConnection hub)
        {
            hub.On<EpochCompletedMessage>("EpochCompleted", Epochs.Enqueue);
            hub.On<BatchProgressMessage>("BatchProgress", Batches.Enqueue);
            hub.On<RunStatusChangedMessage>("RunStatusChanged", m =>
            {
                RunStatuses.Enqueue(m);
                RunStatusStream.Writer.TryWrite(m);
            });
            hub.On<ExperimentCompletedMessage>("ExperimentCompleted", m => Completed.Writer.TryWrite(m));
        }

        public async Task<ExperimentCompletedMessage> NextCompletionAsync() =>
            await Completed.Reader.ReadAsync().AsTask().WaitAsync(Patience);
    }

    [Fact]
    public async Task An_experiment_streams_every_epoch_in_order_exports_both_csvs_and_reads_the_same_after_a_restart()
    {
        var host = await StudioHost.StartAsync(_folder.Path);
        var hub = await host.ConnectHubAsync();
        var recorder = new HubRecorder(hub);
        // A fresh database numbers its first experiment 1: subscribing before submitting means no epoch can be missed.
        await hub.InvokeAsync("Subscribe", 1);
        int id = await host.SubmitAsync(StudioHost.TinySpec("lifecycle", generations: 2, epochs: 2));
        Assert.Equal(1, id);

        var completed = await recorder.NextCompletionAsync();
        Assert.Equal((id, "completed", (string?)null), (completed.ExperimentId, completed.Status, completed.Reason));
        var details = await host.GetAsync(id);
        Assert.Equal("completed", details.Status);
        Assert.Equal(["seed-1/teacher", "seed-1/ban-1", "seed-1/ban-2", "seed-1/ens-2"], details.Runs.Select(r => r.Key));
        Assert.Equal((4, 4), (details.DoneSteps, details.TotalSteps));

        // Every trained run's epochs, in training order, each once, all for this experiment.
        var epochs = recorder.Epochs.ToList();
        Assert.All(epochs, e => Assert.Equal(id, e.ExperimentId));
        Assert.Equal(
            [("seed-1/teacher", 1), ("seed-1/teacher", 2), ("seed-1/ban-1", 1), ("seed-1/ban-1", 2), ("seed-1/ban-2", 1), ("seed-1/ban-2", 2)],
            epochs.Select(e => (e.RunKey, e.Epoch)));
        Assert.Equal(["Teacher", "Teacher", "BAN-1", "BAN-1", "BAN-2", "BAN-2"], epochs.Select(e => e.Column));
        // Images have no validation split: the language models' validLoss stays null.
        Assert.All(epochs, e => Assert.Null(e.ValidLoss));
        // The last epoch's test error over the hub is the run's final test error in the database.
        foreach (var run in details.Runs.Take(3))
            Assert.Equal(run.FinalTestError, epochs.Last(e => e.RunKey == run.Key).TestError);
        Assert.NotEmpty(recorder.Batches);
        Assert.All(recorder.Batches, b => Assert.True(b.ExperimentId == id && b.Batches == 6 && b.Batch is >= 1 and <= 6, $"{b}"));
        Assert.Contains(recorder.RunStatuses, s => s.RunKey == "seed-1/ens-2" && s.Status == "completed" && s.FinalTestError == details.Runs[3].FinalTestError);

        // results.csv: the runner's own file, rebuilt from the database.
        string resultsCsv = await host.Http.GetStringAsync($"/api/experiments/{id}/results.csv");
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(details.Folder, "results.csv")), resultsCsv);
        var results = ReadCsv(resultsCsv);
        Assert.Equal(details.Runs.Select(r => r.Key), results.Select(r => r["key"]));
        Assert.Equal(details.Runs.Select(r => Percent(r.FinalTestError)), results.Select(r => r["final_epoch_test_error_pct"]));

        // metrics.csv: one row per epoch, numbers exactly as they went over the hub.
        var metrics = ReadCsv(await host.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv"));
        Assert.Equal(epochs.Select(e => (e.RunKey, e.Column, e.Epoch.ToString(CultureInfo.InvariantCulture))),
            metrics.Select(m => (m["run_key"], m["column"], m["epoch"])));
        Assert.Equal(epochs.Select(e => e.TestError), metrics.Select(m => double.Parse(m["test_error"], CultureInfo.InvariantCulture)));
        Assert.Equal(epochs.Select(e => e.TrainLoss), metrics.Select(m => double.Parse(m["train_loss"], CultureInfo.InvariantCulture)));

        await hub.DisposeAsync();
        await host.DisposeAsync();

        await using var again = await StudioHost.StartAsync(_folder.Path);
        var reread = await again.GetAsync(id);
        Assert.Equal("completed", reread.Status);
        Assert.Equal(details.Runs, reread.Runs);
        Assert.Equal(resultsCsv, await again.Http.GetStringAsync($"/api/experiments/{id}/results.csv"));
    }

    [Fact]
    public async Task Cancelling_a_training_experiment_stops_it_and_resume_finishes_without_retraining_what_was_done()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        await using var hub = await host.ConnectHubAsync();
        var recorder = new HubRecorder(hub);
        await hub.InvokeAsync("Subscribe", 1);
        int id = await host.SubmitAsync(StudioHost.TinySpec("cancel-me", generations: 2, epochs: 3));

        // Cancel as soon as the teacher is done, while BAN-1 trains.
        await foreach (var status in recorder.RunStatusStream.Reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(Patience).Token))
            if (status is { RunKey: "seed-1/teacher", Status: "completed" }) break;
        using (var cancel = await host.Http.PostAsync($"/api/experiments/{id}/cancel", null))
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await recorder.NextCompletionAsync();
        Assert.Equal((id, "cancelled"), (cancelled.ExperimentId, cancelled.Status));
        var stopped = await host.GetAsync(id);
        Assert.Equal("cancelled", stopped.Status);
        var teacher = Assert.Single(stopped.Runs, r => r.Key == "seed-1/teacher");
        Assert.Equal("completed", teacher.Status);
        Assert.DoesNotContain(stopped.Runs, r => r.Key == "seed-1/ens-2");

        using (var again = await host.Http.PostAsync($"/api/experiments/{id}/cancel", null))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        int epochsBeforeResume = recorder.Epochs.Count;
        using (var resume = await host.Http.PostAsync($"/api/experiments/{id}/resume", null))
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        using (var twice = await host.Http.PostAsync($"/api/experiments/{id}/resume", null))
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        using (var unknown = await host.Http.PostAsync($"/api/experiments/{id + 1}/resume", null))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var finished = await recorder.NextCompletionAsync();
        Assert.Equal((id, "completed"), (finished.ExperimentId, finished.Status));
        var done = await host.GetAsync(id);
        Assert.Equal("completed", done.Status);
        Assert.All(done.Runs, r => Assert.Equal("completed", r.Status));
        // The teacher was reused, not retrained: no new epochs, identical numbers (wall time included).
        Assert.Equal(teacher, done.Runs.Single(r => r.Key == "seed-1/teacher"));
        var resumedEpochs = recorder.Epochs.Skip(epochsBeforeResume).ToList();
        Assert.DoesNotContain(resumedEpochs, e => e.RunKey == "seed-1/teacher");
        Assert.Contains(resumedEpochs, e => e.RunKey == "seed-1/ban-2");
    }

    [Fact]
    public async Task Stopping_the_app_mid_training_leaves_the_experiment_interrupted_and_resume_continues_from_the_checkpoint()
    {
        var host = await StudioHost.StartAsync(_folder.Path);
        var hub = await host.ConnectHubAsync();
        var recorder = new HubRecorder(hub);
        await hub.InvokeAsync("Subscribe", 1);
        // Enough epochs that the stop lands inside a run even on a fast machine (4 epochs once finished
        // the whole teacher while the host was shutting down).
        const int epochs = 12;
        int id = await host.SubmitAsync(StudioHost.TinySpec("stopped", generations: 1, epochs: epochs));
        var deadline = DateTime.UtcNow + Patience;
        while (!recorder.Epochs.Any(e => e.RunKey == "seed-1/teacher") && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.NotEmpty(recorder.Epochs);
        await hub.DisposeAsync();
        await host.DisposeAsync(); // the host's stopping token ends the training, as a Ctrl+C would

        await using var again = await StudioHost.StartAsync(_folder.Path);
        var interrupted = await again.GetAsync(id);
        Assert.Equal("interrupted", interrupted.Status);
        // Exactly one run was cut short; any run that finished before the stop stays completed.
        var cut = Assert.Single(interrupted.Runs, r => r.Status == "interrupted");
        Assert.All(interrupted.Runs.Where(r => r != cut), r => Assert.Equal("completed", r.Status));
        var before = ReadCsv(await again.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv"));
        int storedEpochs = before.Count(m => m["run_key"] == cut.Key);
        Assert.InRange(storedEpochs, 1, epochs - 1);

        await using var hub2 = await again.ConnectHubAsync();
        var recorder2 = new HubRecorder(hub2);
        await hub2.InvokeAsync("Subscribe", id);
        using (var resume = await again.Http.PostAsync($"/api/experiments/{id}/resume", null))
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        Assert.Equal("completed", (await recorder2.NextCompletionAsync()).Status);

        // Resumed after its last checkpoint: stored epochs are not trained again, finished runs not at all,
        // and every epoch is stored once.
        var resumedEpochs = recorder2.Epochs.Where(e => e.RunKey == cut.Key).Select(e => e.Epoch).ToList();
        Assert.NotEmpty(resumedEpochs);
        Assert.True(resumedEpochs.Min() > storedEpochs, $"{cut.Key} retrained epoch {resumedEpochs.Min()} though {storedEpochs} were stored");
        Assert.DoesNotContain(recorder2.Epochs, e => interrupted.Runs.Any(r => r.Status == "completed" && r.Key == e.RunKey));
        var metrics = ReadCsv(await again.Http.GetStringAsync($"/api/experiments/{id}/metrics.csv"));
        var all = Enumerable.Range(1, epochs).Select(e => e.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(all, metrics.Where(m => m["run_key"] == "seed-1/teacher").Select(m => m["epoch"]));
        Assert.Equal(all, metrics.Where(m => m["run_key"] == "seed-1/ban-1").Select(m => m["epoch"]));
    }

    static List<Dictionary<string, string>> ReadCsv(string text)
    {
        using var csv = new CsvReader(new StringReader(text), CultureInfo.InvariantCulture);
        return csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>()
            .Select(r => r.ToDictionary(kv => kv.Key, kv => (string)kv.Value)).ToList();
    }

    static string Percent(double? fraction) => (fraction!.Value * 100).ToString("0.00", CultureInfo.InvariantCulture);
}
