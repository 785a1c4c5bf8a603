using Bunit;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace BanStudio.Tests.Web.Pages;

/// <summary>
/// A bUnit context with what the pages need from the app: MudBlazor's services (its JS calls answered
/// loosely, there is no browser) and the real SQLite store, migrated, in a temp folder.
/// </summary>
public sealed class PageContext : IAsyncDisposable
{
    readonly BanStudio.Tests.Data.TempFolder _folder = new();

    public PageContext()
    {
        Bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        Bunit.Services.AddMudServices();
        Bunit.Services.AddSingleton(TimeProvider.System);
        Bunit.Services.AddDbContextFactory<StudioDb>(o => o.UseSqlite(StudioDb.ConnectionString(DatabasePath)));
        using var db = NewDb();
        db.Database.Migrate();
    }

    public BunitContext Bunit { get; } = new();

    public string DatabasePath => _folder.File("studio.db");

    public StudioDb NewDb() =>
        new(new DbContextOptionsBuilder<StudioDb>().UseSqlite(StudioDb.ConnectionString(DatabasePath)).Options);

    // Async: MudBlazor's services are IAsyncDisposable only.
    public async ValueTask DisposeAsync()
    {
        await Bunit.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
