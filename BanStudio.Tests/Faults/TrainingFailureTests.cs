using System.IO.Compression;
using System.Net;
using BanStudio.Tests.Browser;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using BanStudio.Web.Features.Experiments;

namespace BanStudio.Tests.Faults;

/// <summary>
/// Three ways a training goes wrong on a running app: a loss that turns NaN, a dataset file cut off mid-way,
/// a checkpoint folder the process cannot write. Each ends its experiment failed with a reason naming the
/// cause, keeps what was done, and the app goes on serving and training.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TrainingFailureTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    static string Spec(string name, string dataset, string schedule) => $$"""
        {
          "name": "{{name}}",
          "dataset": {{dataset}},
          "teacher": { "family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0 },
          "generations": 2,
          "schedule": {{schedule}},
          "seeds": [1]
        }
        """;

    const string Builtin = """{ "kind": "builtin", "trainSize": 300, "testSize": 100 }""";
    const string Gentle = """{ "epochs": 2, "batchSize": 50, "learningRate": 0.05 }""";

    [Fact]
    public async Task A_NaN_loss_a_truncated_dataset_and_an_unwritable_checkpoint_folder_each_fail_their_experiment_and_the_app_keeps_serving()
    {
        string dataRoot = _folder.Sub("data");
        string truncatedFolder = WriteTruncatedFashionMnist(Path.Combine(dataRoot, "fashion-mnist"));
        await using var host = await StudioHost.StartAsync(_folder.Path, new Dictionary<string, string?> { ["Studio:DataRoots:0"] = dataRoot });

        // 1. Divergence: learning rate 100 with weight decay 0.99 multiplies the weights by -98 a step.
        //    Here the loss is finite through epoch 1 and NaN in epoch 2.
        int nan = await host.SubmitAsync(Spec("diverges", Builtin,
            """{ "epochs": 2, "batchSize": 50, "learningRate": 100, "weightDecay": 0.99 }"""));
        var diverged = await host.WaitUntilFinishedAsync(nan, Patience);
        Assert.Equal("failed", diverged.Status);
        var at = System.Text.RegularExpressions.Regex.Match(diverged.Reason!, @"^seed-1/teacher: loss became NaN at epoch (\d+), batch(es \d+ to|) \d+");
        Assert.True(at.Success, diverged.Reason);
        int nanEpoch = int.Parse(at.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var teacher = Assert.Single(diverged.Runs);
        Assert.Equal("failed", teacher.Status);
        // Kept: the checkpoint and the metrics of every epoch before the NaN (here the NaN comes in epoch 2;
        // other CPUs' arithmetic may move it, so the test reads where it came).
        var kept = DashboardPage.ReadCsv(await host.Http.GetStringAsync($"/api/experiments/{nan}/metrics.csv"));
        Assert.Equal(Enumerable.Range(1, nanEpoch - 1).Select(e => e.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            kept.Select(m => m["epoch"]));
        if (nanEpoch > 1)
        {
            Assert.Contains($"the checkpoint after epoch {nanEpoch - 1} is kept in {teacher.CheckpointPath}", teacher.Reason);
            Assert.True(File.Exists(teacher.CheckpointPath));
        }

        // 2. A dataset file cut off half-way: found and valid at submission (the files exist), failed when read.
        int truncated = await host.SubmitAsync(Spec("truncated-data",
            $$"""{ "kind": "fashion-mnist", "path": "{{truncatedFolder}}", "trainLimit": 100, "testLimit": 100 }""", Gentle));
        var unreadable = await host.WaitUntilFinishedAsync(truncated, Patience);
        Assert.Equal("failed", unreadable.Status);
        Assert.StartsWith("dataset problem: ", unreadable.Reason);
        Assert.Contains(Path.Combine(truncatedFolder, "train-images-idx3-ubyte.gz"), unreadable.Reason);
        Assert.Contains("truncated", unreadable.Reason);
        Assert.Empty(unreadable.Runs);

        // 3. BAN-1's checkpoint folder is not writable. We run as root in CI, for whom permissions do not
        //    apply, so the folder is a link into sysfs, where nobody may create a file.
        Assert.True(Directory.Exists("/sys/kernel"), "this test needs sysfs mounted at /sys");
        int unwritable = truncated + 1;
        string experimentFolder = Path.Combine(_folder.Path, "runs", $"experiment-{unwritable}");
        Directory.CreateDirectory(Path.Combine(experimentFolder, "seed-1"));
        Directory.CreateSymbolicLink(Path.Combine(experimentFolder, "seed-1", "ban-1"), "/sys/kernel");
        Assert.Equal(unwritable, await host.SubmitAsync(Spec("read-only-checkpoints", Builtin, Gentle)));
        var refused = await host.WaitUntilFinishedAsync(unwritable, Patience);
        Assert.Equal("failed", refused.Status);
        var ban1 = refused.Runs.Single(r => r.Key == "seed-1/ban-1");
        Assert.Equal("failed", ban1.Status);
        Assert.Contains("Access to the path", ban1.Reason);
        Assert.Contains(Path.Combine(experimentFolder, "seed-1", "ban-1"), ban1.Reason);
        Assert.Contains("seed-1/ban-1: ", refused.Reason);
        // The teacher trained before it is kept, with its numbers and its files.
        var keptTeacher = refused.Runs.Single(r => r.Key == "seed-1/teacher");
        Assert.Equal("completed", keptTeacher.Status);
        Assert.NotNull(keptTeacher.FinalTestError);
        Assert.True(File.Exists(Path.Combine(experimentFolder, "seed-1", "teacher", "result.json")));
        // BAN-2 learns from BAN-1 and Ens*2 needs both: neither ran.
        Assert.DoesNotContain(refused.Runs, r => r.Key is "seed-1/ban-2" or "seed-1/ens-2");
        var results = DashboardPage.ReadCsv(await host.Http.GetStringAsync($"/api/experiments/{unwritable}/results.csv"));
        Assert.Equal([("seed-1/teacher", "completed"), ("seed-1/ban-1", "failed")], results.Select(r => (r["key"], r["status"])));

        foreach (var failed in new[] { diverged, unreadable, refused }) output.WriteLine($"{failed.Name}: {failed.Reason}");

        // The app still serves and trains: the pages, the list, and a healthy experiment to the end.
        using (var page = await host.Http.GetAsync("/")) Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        int healthy = await host.SubmitAsync(Spec("healthy-after-failures", Builtin, Gentle));
        var ok = await host.WaitUntilFinishedAsync(healthy, Patience);
        Assert.Equal("completed", ok.Status);
        Assert.Equal(4, ok.Runs.Count(r => r.Status == "completed"));
        var list = await host.Http.GetStringAsync("/api/experiments");
        foreach (var name in new[] { "diverges", "truncated-data", "read-only-checkpoints", "healthy-after-failures" })
            Assert.Contains(name, list);
        Assert.Equal("failed", (await host.GetAsync(nan)).Status);
    }

    /// <summary>The real Fashion-MNIST (Debian's package), with the training images cut off half-way through the .gz.</summary>
    static string WriteTruncatedFashionMnist(string folder)
    {
        const string system = "/usr/share/datasets/fashion-mnist";
        Assert.True(Directory.Exists(system), "Debian's dataset-fashion-mnist is missing; test.sh installs it");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(system, "*.gz")) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        string images = Path.Combine(folder, "train-images-idx3-ubyte.gz");
        using (var stream = new FileStream(images, FileMode.Open)) stream.SetLength(stream.Length / 2);
        // Still a gzip stream at its start: the header reads, the body ends early.
        using (var gz = new GZipStream(File.OpenRead(images), CompressionMode.Decompress)) Assert.Equal(0, gz.ReadByte());
        return folder;
    }

}
