using System.Net.Http.Json;
using System.Text.Json.Serialization;
using BanStudio.Web;
using BanStudio.Web.Features.Experiments;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BanStudio.Tests.Web;

/// <summary>
/// The real app on a free loopback port (real Kestrel, real SQLite file, real runs folder), as
/// <c>dotnet run --project BanStudio.Web</c> starts it, only pointed at a test's folder.
/// </summary>
public sealed class StudioHost : IAsyncDisposable
{
    StudioHost(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address };
    }

    public WebApplication App { get; }
    public Uri Address { get; }
    public HttpClient Http { get; }

    /// <param name="settings">More configuration ("Studio:DataRoots:0", ...), applied over the test's folder paths.</param>
    /// <param name="services">More services (an EF Core interceptor that makes writes fail, ...), added after the app's own.</param>
    public static async Task<StudioHost> StartAsync(string folder, IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var app = WebApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Studio:DatabasePath"] = Path.Combine(folder, "studio.db"),
                ["Studio:RunsDirectory"] = Path.Combine(folder, "runs"),
                // A test's datasets live in its folder: that is the one data root its app may read.
                ["Studio:DataRoots:0"] = folder,
            });
            if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        return new StudioHost(app, new Uri(app.Urls.Single()));
    }

    /// <summary>A client of /hubs/training, started; it speaks the same JSON (NaN allowed) as the server.</summary>
    public Task<HubConnection> ConnectHubAsync() => ConnectHubAsync(Address);

    /// <summary>The same, for an app at <paramref name="address"/> (also one in its own process: AppProcess).</summary>
    public static async Task<HubConnection> ConnectHubAsync(Uri address)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/hubs/training"))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)
            .Build();
        await hub.StartAsync();
        return hub;
    }

    public Task<int> SubmitAsync(string specJson) => SubmitAsync(Http, specJson);

    /// <summary>POST /api/experiments through <paramref name="http"/>: 201 with the new id in Location, or the test fails.</summary>
    public static async Task<int> SubmitAsync(HttpClient http, string specJson)
    {
        using var response = await http.PostAsync("/api/experiments", new StringContent(specJson, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<SubmittedExperiment>();
        Assert.Equal($"/api/experiments/{body!.Id}", response.Headers.Location?.OriginalString);
        return body.Id;
    }

    public Task<ExperimentDetails> GetAsync(int id) => GetAsync(Http, id);

    public static async Task<ExperimentDetails> GetAsync(HttpClient http, int id) =>
        (await http.GetFromJsonAsync<ExperimentDetails>($"/api/experiments/{id}"))!;

    /// <summary>Polls until the experiment is neither queued nor running, or <paramref name="patience"/> runs out; returns what it last saw.</summary>
    public async Task<ExperimentDetails> WaitUntilFinishedAsync(int id, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var details = await GetAsync(id);
            if (details.Status is not ("queued" or "running") || DateTime.UtcNow > deadline) return details;
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    /// <summary>A tiny born-again experiment on the built-in data: a WRN-10-1 teacher, its generations and Ens*k.</summary>
    public static string TinySpec(string name, int generations = 2, int epochs = 1) => $$"""
        {
          "name": "{{name}}",
          "dataset": { "kind": "builtin", "trainSize": 300, "testSize": 100 },
          "teacher": { "family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0 },
          "generations": {{generations}},
          "schedule": { "epochs": {{epochs}}, "batchSize": 50, "learningRate": 0.05 },
          "seeds": [1]
        }
        """;
}
