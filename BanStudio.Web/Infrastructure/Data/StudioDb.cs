using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BanStudio.Web.Infrastructure.Data;

/// <summary>The app's SQLite store: experiments, their runs, every run's epochs, and the messages they produced.</summary>
public sealed class StudioDb(DbContextOptions<StudioDb> options) : DbContext(options)
{
    public DbSet<Experiment> Experiments => Set<Experiment>();
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<EpochMetric> EpochMetrics => Set<EpochMetric>();
    public DbSet<LogEntry> LogEntries => Set<LogEntry>();

    public static string ConnectionString(string databasePath) => $"Data Source={databasePath}";

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Experiment>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.Owner).HasMaxLength(64);
            // Lower-case words in the file, the same words the API and the hub use.
            e.Property(x => x.Status).HasConversion(s => Words.Of(s), s => Enum.Parse<ExperimentStatus>(s, true)).HasMaxLength(16);
            e.HasIndex(x => x.Status);
            e.HasMany(x => x.Runs).WithOne(r => r.Experiment).HasForeignKey(r => r.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<Run>(r =>
        {
            r.Property(x => x.Status).HasConversion(s => Words.Of(s), s => Enum.Parse<RunStatus>(s, true)).HasMaxLength(16);
            r.HasIndex(x => new { x.ExperimentId, x.Key }).IsUnique();
            r.HasMany(x => x.EpochMetrics).WithOne(m => m.Run).HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<LogEntry>(l =>
        {
            l.Property(x => x.Severity).HasConversion(s => Words.Of(s), s => Enum.Parse<LogSeverity>(s, true)).HasMaxLength(16);
            l.Property(x => x.RunKey).HasMaxLength(200);
            l.HasIndex(x => x.ExperimentId);
            l.HasOne(x => x.Experiment).WithMany().HasForeignKey(x => x.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        });
        // A resumed run may report an epoch again; the pair is the identity the recorder upserts on.
        model.Entity<EpochMetric>().HasIndex(x => new { x.RunId, x.Epoch }).IsUnique();
    }
}

/// <summary>
/// Lets <c>dotnet ef</c> build the context without starting the app (whose entry point is the CLI);
/// the path only matters for <c>dotnet ef database update</c>.
/// </summary>
public sealed class StudioDbDesignTimeFactory : IDesignTimeDbContextFactory<StudioDb>
{
    public StudioDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<StudioDb>().UseSqlite(StudioDb.ConnectionString(new StudioOptions().DatabaseFullPath)).Options);
}
