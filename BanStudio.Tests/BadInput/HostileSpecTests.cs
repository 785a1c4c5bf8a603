using BanStudio.Tests.Cli;
using System.Net;
using System.Text;
using System.Text.Json;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Web.Cli;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Tests.BadInput;

/// <summary>One running app with one finished experiment stored, receiving every hostile spec.</summary>
public sealed class HostileSpecApp : IAsyncLifetime
{
    readonly TempFolder _folder = new();

    public StudioHost Host { get; private set; } = null!;
    public string DataRoot => Path.Combine(_folder.Path, "data");
    public string Link => Path.Combine(DataRoot, "looks-local");
    public string DatabasePath => Path.Combine(_folder.Path, "studio.db");
    public string RunsFolder => Path.Combine(_folder.Path, "runs");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataRoot);
        // Inside the root by name, outside by target: Debian's Fashion-MNIST, which this app may not read.
        Directory.CreateSymbolicLink(Link, "/usr/share/datasets/fashion-mnist");
        var options = new DbContextOptionsBuilder<StudioDb>().UseSqlite(StudioDb.ConnectionString(DatabasePath)).Options;
        await using (var db = new StudioDb(options))
        {
            await db.Database.MigrateAsync();
            var spec = SpecJson.Parse<ExperimentSpec>(StudioHost.TinySpec("stored-before"), "spec");
            var experiment = new Experiment
            {
                Name = spec.Name, SpecJson = SpecJson.Write(spec), Status = ExperimentStatus.Completed, CreatedAt = DateTimeOffset.UtcNow,
                TotalSteps = 2, Folder = Path.Combine(RunsFolder, "experiment-1"),
            };
            var run = new Run { Key = "seed-1/teacher", Column = "Teacher", Model = "WRN-10-1", Objective = "label", Status = RunStatus.Completed };
            run.EpochMetrics.Add(new EpochMetric { Epoch = 1, TestError = 0.5 });
            experiment.Runs.Add(run);
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();
        }
        Host = await StudioHost.StartAsync(_folder.Path, new Dictionary<string, string?> { ["Studio:DataRoots:0"] = DataRoot });
    }

    /// <summary>Rows in each table and entries in the runs folder: a rejected spec must change none of them.</summary>
    public async Task<string> FootprintAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        var counts = new List<string>();
        foreach (var table in new[] { "Experiments", "Runs", "EpochMetrics" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM {table}";
            counts.Add($"{table}={await command.ExecuteScalarAsync()}");
        }
        counts.Add($"runs/={(Directory.Exists(RunsFolder) ? Directory.GetFileSystemEntries(RunsFolder, "*", SearchOption.AllDirectories).Length : 0)}");
        return string.Join(", ", counts);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// Each hostile spec is refused with a message naming the field — by the API (400, or 413 when too big) and by
/// the CLI's run verb (exit code 2) — and leaves nothing behind: no row, no folder.
/// </summary>
public sealed class HostileSpecTests(HostileSpecApp app) : IClassFixture<HostileSpecApp>
{
    [Theory]
    [MemberData(nameof(HostileSpecs.Names), MemberType = typeof(HostileSpecs))]
    public async Task The_API_refuses_the_spec_naming_the_field_and_stores_nothing(string name)
    {
        var hostile = HostileSpecs.All[name];
        string json = hostile.Json.Replace("{ROOT}", app.DataRoot).Replace("{LINK}", app.Link);
        string before = await app.FootprintAsync();

        using var response = await app.Host.Http.PostAsync("/api/experiments", new StringContent(json, Encoding.UTF8, "application/json"));
        string body = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode == hostile.ApiStatus, $"{name}: {(int)response.StatusCode} {body}");
        using var problem = JsonDocument.Parse(body);
        if (hostile.ApiStatus == 400)
        {
            var fields = problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
            Assert.True(fields.Contains(hostile.Field), $"{name}: expected an error for '{hostile.Field}', got {body}");
            Assert.All(problem.RootElement.GetProperty("errors").EnumerateObject(),
                p => Assert.All(p.Value.EnumerateArray(), m => Assert.False(string.IsNullOrWhiteSpace(m.GetString()))));
        }
        else
        {
            Assert.Contains("at most 1048576 bytes", problem.RootElement.GetProperty("detail").GetString());
        }
        Assert.Equal(before, await app.FootprintAsync());
        // And the app still answers.
        using var list = await app.Host.Http.GetAsync("/api/experiments");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Theory]
    [MemberData(nameof(HostileSpecs.CliNames), MemberType = typeof(HostileSpecs))]
    public async Task The_run_verb_refuses_the_spec_with_exit_code_2_naming_the_field_and_writes_nothing(string name)
    {
        var hostile = HostileSpecs.All[name];
        using var folder = new TempFolder();
        string spec = folder.File("spec.json");
        await File.WriteAllTextAsync(spec, hostile.Json.Replace("{ROOT}", "/usr/share/datasets"));
        string output = folder.File("out");
        var (code, stdout, stderr) = await CliRun.RunAsync("run", spec, "--out", output);

        Assert.True(code == TrainVerb.ExitCodes.BadSpec, $"{name}: exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"  {hostile.Field}: ", stderr);
        Assert.False(Directory.Exists(output), $"{name}: the run verb created {output}");
    }
}
