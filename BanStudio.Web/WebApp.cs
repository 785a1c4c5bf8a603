using BanStudio.Training.Training;

namespace BanStudio.Web;

/// <summary>The web app. For now a placeholder page; the dashboard comes with the dashboard issue.</summary>
public static class WebApp
{
    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var app = builder.Build();
        string device = DeviceChoice.Describe(DeviceChoice.Resolve("auto"));
        app.MapGet("/", () => Results.Content(
            $"<!doctype html><title>BanStudio</title><h1>BanStudio</h1><p>Born-Again Networks workbench. Device: {device}.</p>" +
            "<p>The dashboard is not built yet; use the CLI: <code>dotnet run --project BanStudio.Web -- --help</code></p>",
            "text/html"));
        await app.RunAsync(ct);
        return 0;
    }
}
