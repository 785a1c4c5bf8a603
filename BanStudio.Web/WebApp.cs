using BanStudio.Web.Features.Compare;
using BanStudio.Web.Features.Experiments;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Access;
using BanStudio.Web.Components;
using BanStudio.Web.Infrastructure.Live;
using MudBlazor.Services;

namespace BanStudio.Web;

/// <summary>The web app: the experiments API, the live hub and the Blazor Server dashboard.</summary>
public static class WebApp
{
    /// <summary>Where the app listens when no "Urls" is configured: loopback only, since it trains whatever it is sent.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        WebApplication app;
        try { app = Build(args); }
        catch (StartupRefusedException e)
        {
            await Console.Error.WriteLineAsync($"BanStudio did not start: {e.Message}");
            return 2;
        }
        await using (app) await app.RunAsync(ct);
        return 0;
    }

    /// <summary>
    /// The whole app, not started. <paramref name="configure"/> runs after the app's own registrations, so a
    /// test can point it at a temp database and runs folder and a free port ("http://127.0.0.1:0").
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The app trains in-process: keep freed tensor memory for the next step (as every CLI verb does, also when
        // the app is hosted without the CLI, e.g. under a test host).
        BanStudio.Training.Training.NativeHeap.KeepFreedBlocks();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            // The static web assets manifest is named after this assembly; under a test host the entry assembly differs.
            ApplicationName = typeof(WebApp).Assembly.GetName().Name,
        });
        // MudBlazor's CSS/JS and blazor.web.js live in NuGet packages until publish copies them to wwwroot; the
        // build's manifest maps them, but ASP.NET Core reads it only in Development. The app runs as Production
        // from `dotnet run` and in the tests, so read it always (it is a no-op where no manifest exists: publish).
        builder.WebHost.UseStaticWebAssets();
        if (string.IsNullOrEmpty(builder.Configuration["Urls"])) builder.WebHost.UseUrls(DefaultUrls);
        builder.Services.AddStudio(builder.Configuration);
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        configure?.Invoke(builder);
        // After configure: the addresses and the token are final only now.
        AccessControl.Add(builder);

        var app = builder.Build();
        CrossSiteGuard.Use(app);
        AccessControl.Use(app);
        app.MapOpenApi();
        app.MapHub<TrainingHub>(TrainingHub.Path);
        app.MapExperimentsApi();
        app.MapCompareApi();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
