using System.Globalization;
using System.Net;
using System.Text.Json;
using BanStudio.Tests.Data;

namespace BanStudio.Tests.Web;

/// <summary>
/// <c>GET /api/experiments/{id}/outputs.json|csv</c> on a real server: refused while the experiment trains, then each
/// model's and ensemble's profile from its own final checkpoint (its error equals the one the run stored).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class OutputsApiTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_finished_experiment_is_profiled_from_its_checkpoints_and_bad_requests_are_named()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        // Trained and scored on 60 of the built-in data's 100 test images (as a study scores on a few thousand for speed).
        int id = await host.SubmitAsync(StudioHost.TinySpec("profiled", generations: 2, epochs: 1)
            .Replace("\"testSize\": 100 }", "\"testSize\": 100, \"testLimit\": 60 }", StringComparison.Ordinal));

        // Queued or training: its checkpoints are still being written.
        using (var early = await host.Http.GetAsync($"/api/experiments/{id}/outputs.json"))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
            Assert.Contains("once it has ended", await early.Content.ReadAsStringAsync());
        }

        var finished = await host.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(3));
        Assert.Equal("completed", finished.Status);

        using var json = JsonDocument.Parse(await host.Http.GetStringAsync($"/api/experiments/{id}/outputs.json?split=test"));
        var report = json.RootElement;
        Assert.Equal("test", report.GetProperty("split").GetString());
        Assert.Equal(60, report.GetProperty("images").GetInt32());
        Assert.Equal(1, report.GetProperty("scheduledEpochs").GetInt32());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("testLimit").ValueKind); // the spec's test images
        var rows = report.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(finished.Runs.Select(r => r.Key), rows.Select(r => r.GetProperty("key").GetString()));
        Assert.Contains(rows, r => r.GetProperty("column").GetString() == "Ens*2");
        foreach (var row in rows)
        {
            var profile = row.GetProperty("profile");
            var run = finished.Runs.Single(r => r.Key == row.GetProperty("key").GetString());
            Assert.Equal(run.FinalTestError!.Value, profile.GetProperty("error").GetDouble(), 9);
            Assert.Equal(run.FinalTestLoss!.Value, profile.GetProperty("loss").GetDouble(), 5);
            Assert.Equal(60, profile.GetProperty("trueProbabilityHistogram").EnumerateArray().Sum(c => c.GetInt64()));
            Assert.Equal(1, row.GetProperty("epochs").GetInt32()); // finished: the schedule's one epoch
        }

        // The CSV holds the same figures; the default split is the training images.
        var csv = (await host.Http.GetStringAsync($"/api/experiments/{id}/outputs.csv?split=test")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = csv[0].Split(',');
        Assert.Equal(rows.Count, csv.Length - 1);
        int error = Array.IndexOf(header, "error");
        Assert.Equal(rows.Select(r => r.GetProperty("profile").GetProperty("error").GetDouble()),
            csv.Skip(1).Select(l => double.Parse(l.Split(',')[error], CultureInfo.InvariantCulture)));
        // By class: the report names the classes; each row's class means are a square matrix whose rows of classes with
        // images sum to 1, and the CSV by class holds every entry (rows x classes x classes lines) with the same values.
        var names = report.GetProperty("classNames").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Equal(BanStudio.Training.Data.BuiltinDataset.ClassNames, names);
        var teacher = rows[0].GetProperty("profile");
        var means = teacher.GetProperty("classMeans").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var counts = teacher.GetProperty("classCounts").EnumerateArray().Select(c => c.GetInt64()).ToArray();
        Assert.Equal(names.Count, means.Length);
        Assert.All(means, r => Assert.Equal(names.Count, r.Length));
        Assert.Equal(60, counts.Sum());
        Assert.All(Enumerable.Range(0, names.Count).Where(c => counts[c] > 0), c => Assert.Equal(1, means[c].Sum(), 9));
        var byClass = (await host.Http.GetStringAsync($"/api/experiments/{id}/outputs-classes.csv?split=test"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(rows.Count * names.Count * names.Count, byClass.Length - 1);
        var columns = byClass[0].Split(',');
        var teacherCells = byClass.Skip(1).Select(l => l.Split(',')).Where(c => c[Array.IndexOf(columns, "key")] == rows[0].GetProperty("key").GetString()).ToList();
        Assert.Equal(means.SelectMany(r => r), teacherCells.Select(c => double.Parse(c[Array.IndexOf(columns, "mean_probability")], CultureInfo.InvariantCulture)));

        using (var train = JsonDocument.Parse(await host.Http.GetStringAsync($"/api/experiments/{id}/outputs.json")))
            Assert.Equal(300, train.RootElement.GetProperty("images").GetInt32());

        // The same checkpoints on the whole test set (testLimit=all), or on another number of test images.
        using (var all = JsonDocument.Parse(await host.Http.GetStringAsync($"/api/experiments/{id}/outputs.json?split=test&testLimit=all")))
        {
            Assert.Equal(100, all.RootElement.GetProperty("images").GetInt32());
            Assert.Equal("all", all.RootElement.GetProperty("testLimit").GetString());
            Assert.False(all.RootElement.TryGetProperty("query", out _)); // the panel's link helper, not data
            Assert.All(all.RootElement.GetProperty("rows").EnumerateArray(), r =>
            {
                Assert.Equal(100, r.GetProperty("profile").GetProperty("trueProbabilityHistogram").EnumerateArray().Sum(c => c.GetInt64()));
                Assert.True(r.GetProperty("matchesSpec").GetBoolean()); // still this spec's models: the test set scores, it does not train
            });
        }
        using (var eighty = await host.Http.GetAsync($"/api/experiments/{id}/outputs.csv?split=test&testLimit=80"))
        {
            Assert.Equal(HttpStatusCode.OK, eighty.StatusCode);
            Assert.Equal($"experiment-{id}-outputs-test-80.csv", eighty.Content.Headers.ContentDisposition?.FileNameStar ?? eighty.Content.Headers.ContentDisposition?.FileName);
            var lines = (await eighty.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            int samples = Array.IndexOf(lines[0].Split(','), "samples");
            Assert.All(lines.Skip(1), l => Assert.Equal("80", l.Split(',')[samples]));
        }
        foreach (var (query, message) in new[]
                 {
                     ("split=train&testLimit=all", "testLimit: applies to the test split"),
                     ("split=test&testLimit=101", "testLimit: is 101 but Built-in shapes has 100 test images; give a number of test images it has, or all"),
                     ("split=test&testLimit=most", "testLimit: 'most' is not a number of test images"),
                 })
        {
            using var refused = await host.Http.GetAsync($"/api/experiments/{id}/outputs.json?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(message, await refused.Content.ReadAsStringAsync());
        }

        using (var bad = await host.Http.GetAsync($"/api/experiments/{id}/outputs.json?split=valid"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("split must be", await bad.Content.ReadAsStringAsync());
        }
        using (var unknown = await host.Http.GetAsync($"/api/experiments/{id + 100}/outputs.csv"))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // A checkpoint cut short: 409 naming its file, and the app goes on serving.
        string checkpoint = Path.Combine(finished.Folder, "seed-1", "ban-1", "checkpoint.bin");
        File.WriteAllBytes(checkpoint, File.ReadAllBytes(checkpoint)[..4000]);
        using (var corrupt = await host.Http.GetAsync($"/api/experiments/{id}/outputs.json"))
        {
            Assert.Equal(HttpStatusCode.Conflict, corrupt.StatusCode);
            Assert.Contains("a checkpoint cannot be read", await corrupt.Content.ReadAsStringAsync());
            Assert.Contains("ban-1", await corrupt.Content.ReadAsStringAsync());
        }
        Assert.Equal("completed", (await host.GetAsync(id)).Status);
    }
}
