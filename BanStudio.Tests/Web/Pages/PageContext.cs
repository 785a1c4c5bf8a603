using Bunit;
using BanStudio.Web;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace BanStudio.Tests.Web.Pages;

/// <summary>
/// A bUnit context with what the pages need from the app: MudBlazor's services (its JS calls answered
/// loosely, there is no browser), the real SQLite store, migrated, in a temp folder, and the app's own
/// broadcaster, queue, recorder and cancel/resume (from an app that is built but never started).
/// </summary>
public sealed class PageContext : IAsyncDisposable
{
    readonly BanStudio.Tests.Data.TempFolder _folder = new();
    readonly WebApplication _app = WebApp.Build([]);

    public PageContext(TimeProvider? clock = null)
    {
        Bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        Bunit.Services.AddMudServices();
        Bunit.Services.AddSingleton(clock ?? TimeProvider.System);
        Bunit.Services.AddDbContextFactory<StudioDb>(o => o.UseSqlite(StudioDb.ConnectionString(DatabasePath)));
        Broadcaster = _app.Services.GetRequiredService<TrainingBroadcaster>();
        Bunit.Services.AddSingleton(Broadcaster);
        Bunit.Services.AddSingleton<ExperimentQueue>();
        Bunit.Services.AddSingleton<ExperimentRecorder>();
        Bunit.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new BanStudio.Web.Infrastructure.StudioOptions
        {
            DatabasePath = DatabasePath, RunsDirectory = _folder.File("runs"),
        }));
        Bunit.Services.AddSingleton<ExperimentControl>();
        Bunit.Services.AddSingleton<BanStudio.Web.Features.Experiments.OutputsProfiler>();
        using var db = NewDb();
        db.Database.Migrate();
    }

    public BunitContext Bunit { get; } = new();

    /// <summary>The broadcaster the pages subscribe to; publishing here is what the executor does per event.</summary>
    public TrainingBroadcaster Broadcaster { get; }

    public string DatabasePath => _folder.File("studio.db");

    public StudioDb NewDb() =>
        new(new DbContextOptionsBuilder<StudioDb>().UseSqlite(StudioDb.ConnectionString(DatabasePath)).Options);

    // Async: MudBlazor's services are IAsyncDisposable only.
    public async ValueTask DisposeAsync()
    {
        await Bunit.DisposeAsync();
        await _app.DisposeAsync();
        _folder.Dispose();
    }
}
