using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BanStudio.Tests.Data;
using BanStudio.Web.Features.Experiments;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Tests.Web;

/// <summary>The HTTP contract where nothing trains: refusals, unknown ids, the OpenAPI document.</summary>
public sealed class ExperimentApiTests : IAsyncLifetime
{
    readonly TempFolder _folder = new();
    StudioHost _host = null!;

    public async Task InitializeAsync() => _host = await StudioHost.StartAsync(_folder.Path);

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _folder.Dispose();
    }

    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    long CountExperiments()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "studio.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM Experiments";
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public void The_database_is_migrated_at_start_up_and_in_wal_mode()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "studio.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
        // Every migration the app ships has been applied, in order.
        using var db = new StudioDb(new DbContextOptionsBuilder<StudioDb>().UseSqlite(connection).Options);
        var shipped = db.Database.GetMigrations().ToList();
        Assert.Contains(shipped, m => m.EndsWith("_LogEntries", StringComparison.Ordinal));
        Assert.Contains(shipped, m => m.EndsWith("_ExperimentOwner", StringComparison.Ordinal));
        command.CommandText = "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId";
        using var reader = command.ExecuteReader();
        var applied = new List<string>();
        while (reader.Read()) applied.Add(reader.GetString(0));
        Assert.Equal(shipped, applied);
    }

    [Fact]
    public async Task A_bad_spec_is_refused_with_400_naming_each_field_and_nothing_is_stored()
    {
        using var response = await _host.Http.PostAsync("/api/experiments", Json("""
            { "name": "bad", "teacher": { "family": "wideresnet", "depth": 11, "widen": 1 }, "generations": 2, "seeds": [] }
            """));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Equal(["seeds", "teacher.depth"], errors.EnumerateObject().Select(p => p.Name).Order());
        Assert.Contains("6n+4", errors.GetProperty("teacher.depth")[0].GetString());
        Assert.Equal(0, CountExperiments());
        Assert.Empty((await _host.Http.GetFromJsonAsync<ExperimentListItem[]>("/api/experiments"))!);
    }

    [Fact]
    public async Task A_misspelt_field_is_refused_by_name_rather_than_trained_with_a_default()
    {
        using var response = await _host.Http.PostAsync("/api/experiments", Json(StudioHost.TinySpec("typo").Replace("\"generations\"", "\"generatoins\"")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("generatoins", out _));
        Assert.Equal(0, CountExperiments());
    }

    /// <summary>
    /// A client that sends its whole body before it reads the answer (HttpClient does) must get the 413, not a
    /// connection reset mid-upload: repeated, since the reset was a race between the answer and the upload.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_one_megabyte_is_refused_with_413_whether_or_not_its_length_is_sent(bool withLength)
    {
        string padded = StudioHost.TinySpec("big").Replace("\"name\"", new string(' ', 2 * ExperimentsApi.MaxSpecBytes) + "\"name\"");
        for (int attempt = 0; attempt < 10; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/experiments") { Content = Json(padded) };
            request.Headers.TransferEncodingChunked = !withLength;
            using var response = await _host.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal($"a spec is at most {ExperimentsApi.MaxSpecBytes} bytes", problem.RootElement.GetProperty("detail").GetString());
        }
        Assert.Equal(0, CountExperiments());
    }

    [Fact]
    public async Task A_client_that_announces_an_oversized_body_and_waits_for_100_continue_is_answered_413_before_sending_it()
    {
        var address = _host.Http.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        await using var stream = tcp.GetStream();
        string head = "POST /api/experiments HTTP/1.1\r\n" + $"Host: {address.Authority}\r\n" + "Content-Type: application/json\r\n" +
                      $"Content-Length: {2 * ExperimentsApi.MaxSpecBytes}\r\n" + "Expect: 100-continue\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        // Reading the body would make Kestrel send "100 Continue" first; the refusal must come without it.
        using var reader = new StreamReader(stream, Encoding.ASCII);
        string? status = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("HTTP/1.1 413 Payload Too Large", status);
        Assert.Equal(0, CountExperiments());
    }

    [Fact]
    public async Task A_dataset_file_that_will_not_load_fails_the_experiment_with_its_path()
    {
        // Passes validation (the files are there) but is not CIFAR-100: the queue must record why, not crash.
        string data = _folder.Sub("cifar100");
        await File.WriteAllBytesAsync(Path.Combine(data, "train.bin"), new byte[5]);
        await File.WriteAllBytesAsync(Path.Combine(data, "test.bin"), new byte[5]);
        string spec = StudioHost.TinySpec("corrupt").Replace(
            "{ \"kind\": \"builtin\", \"trainSize\": 300, \"testSize\": 100 }",
            JsonSerializer.Serialize(new { kind = "cifar100", path = data }));
        int id = await _host.SubmitAsync(spec);

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        var details = await _host.GetAsync(id);
        while (details.Status is "queued" or "running" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            details = await _host.GetAsync(id);
        }
        Assert.Equal("failed", details.Status);
        Assert.StartsWith("dataset problem: ", details.Reason);
        Assert.Contains(Path.Combine(data, "train.bin"), details.Reason);
        Assert.Empty(details.Runs);
        // The live page's log panel (prerendered by the app) carries the reason as an error entry.
        string page = await _host.Http.GetStringAsync($"/experiments/{id}");
        Assert.Matches("data-testid=\"log-entry\" data-severity=\"error\"[^>]*>experiment failed: dataset problem: [^<]*" +
                       System.Text.RegularExpressions.Regex.Escape(Path.Combine(data, "train.bin")), page);
    }

    [Fact]
    public async Task A_completed_experiment_is_not_resumed_and_keeps_its_finish_time()
    {
        int id = await _host.SubmitAsync(StudioHost.TinySpec("done", generations: 1));
        var done = await _host.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(2));
        Assert.Equal("completed", done.Status);

        using var response = await _host.Http.PostAsync($"/api/experiments/{id}/resume", null);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("is completed: there is nothing to resume", await response.Content.ReadAsStringAsync());
        var after = await _host.GetAsync(id);
        Assert.Equal(("completed", done.FinishedAt), (after.Status, after.FinishedAt));
    }

    [Fact]
    public async Task An_experiments_spec_downloads_as_the_file_it_was_submitted_as_and_posts_back_as_a_new_experiment()
    {
        string submitted = StudioHost.TinySpec("spec-round-trip", generations: 1);
        int id = await _host.SubmitAsync(submitted);
        using var response = await _host.Http.GetAsync($"/api/experiments/{id}/spec.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"experiment-{id}-spec.json", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        string json = await response.Content.ReadAsStringAsync();
        var expected = BanStudio.Training.SpecJson.Parse<BanStudio.Training.Experiments.ExperimentSpec>(submitted, "spec");
        var downloaded = BanStudio.Training.SpecJson.Parse<BanStudio.Training.Experiments.ExperimentSpec>(json, "spec");
        Assert.Equal(BanStudio.Training.SpecJson.Write(expected), BanStudio.Training.SpecJson.Write(downloaded));

        int again = await _host.SubmitAsync(json);
        Assert.NotEqual(id, again);
        Assert.Equal("spec-round-trip", (await _host.GetAsync(again)).Name);
    }

    [Theory]
    [InlineData("GET", "/api/experiments/42")]
    [InlineData("POST", "/api/experiments/42/cancel")]
    [InlineData("POST", "/api/experiments/42/resume")]
    [InlineData("GET", "/api/experiments/42/results.csv")]
    [InlineData("GET", "/api/experiments/42/metrics.csv")]
    [InlineData("GET", "/api/experiments/42/spec.json")]
    [InlineData("GET", "/api/experiments/42/outputs.json")]
    [InlineData("GET", "/api/experiments/42/outputs.csv?split=test")]
    [InlineData("GET", "/api/experiments/42/outputs-classes.csv")]
    public async Task An_unknown_experiment_answers_404(string method, string path)
    {
        using var response = await _host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_every_experiments_endpoint()
    {
        using var document = JsonDocument.Parse(await _host.Http.GetStringAsync("/openapi/v1.json"));
        // Other features (compare) add their own paths; this test owns the experiments group.
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name)
            .Where(p => p.StartsWith("/api/experiments", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["/api/experiments", "/api/experiments/{id}", "/api/experiments/{id}/cancel", "/api/experiments/{id}/metrics.csv",
             "/api/experiments/{id}/outputs-classes.csv", "/api/experiments/{id}/outputs.csv", "/api/experiments/{id}/outputs.json",
             "/api/experiments/{id}/results.csv", "/api/experiments/{id}/resume", "/api/experiments/{id}/spec.json"],
            paths.Order());
    }
}
