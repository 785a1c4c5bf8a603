using System.Text;
using System.Text.Encodings.Web;
using BanStudio.Training.Training;
using BanStudio.Web.Features.Experiments;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;

namespace BanStudio.Web;

/// <summary>The web app: the experiments API, the live hub and, for now, a placeholder page listing experiments.</summary>
public static class WebApp
{
    /// <summary>Where the app listens when no "Urls" is configured: loopback only, since it trains whatever it is sent.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        await using var app = Build(args);
        await app.RunAsync(ct);
        return 0;
    }

    /// <summary>
    /// The whole app, not started. <paramref name="configure"/> runs after the app's own registrations, so a
    /// test can point it at a temp database and runs folder and a free port ("http://127.0.0.1:0").
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (string.IsNullOrEmpty(builder.Configuration["Urls"])) builder.WebHost.UseUrls(DefaultUrls);
        builder.Services.AddStudio(builder.Configuration);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapOpenApi();
        app.MapHub<TrainingHub>(TrainingHub.Path);
        app.MapExperimentsApi();
        app.MapGet("/", Home).ExcludeFromDescription();
        return app;
    }

    /// <summary>A stand-in until the dashboard pages land: shows that experiments are stored and trained.</summary>
    static async Task<IResult> Home(StudioDb db, CancellationToken ct)
    {
        string device = DeviceChoice.Describe(DeviceChoice.Resolve("auto"));
        var html = HtmlEncoder.Default;
        var page = new StringBuilder()
            .Append("<!doctype html><title>BanStudio</title><h1>BanStudio</h1>")
            .Append($"<p>Born-Again Networks workbench. Device: {html.Encode(device)}.</p>")
            .Append("<p>The dashboard is not built yet. Submit a spec with <code>POST /api/experiments</code> ")
            .Append("(see <a href=\"/openapi/v1.json\">the OpenAPI document</a>) or use the CLI: ")
            .Append("<code>dotnet run --project BanStudio.Web -- --help</code></p><h2>Experiments</h2>");
        var experiments = await ExperimentsApi.ListAsync(db, ct);
        if (experiments.Length == 0) page.Append("<p>None yet.</p>");
        else
        {
            page.Append("<ul>");
            foreach (var e in experiments)
                page.Append($"<li>#{e.Id} {html.Encode(e.Name)}: {e.Status} ({e.DoneSteps}/{e.TotalSteps} steps)")
                    .Append(e.Reason is null ? "" : $" &mdash; {html.Encode(e.Reason)}")
                    .Append($" <a href=\"/api/experiments/{e.Id}/results.csv\">results.csv</a></li>");
            page.Append("</ul>");
        }
        return Results.Content(page.ToString(), "text/html");
    }
}
