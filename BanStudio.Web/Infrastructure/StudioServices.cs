using System.Text.Json.Serialization;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BanStudio.Web.Infrastructure;

public static class StudioServices
{
    /// <summary>Options, the SQLite store, the training queue and the live hub.</summary>
    public static IServiceCollection AddStudio(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStudioStore(configuration);
        services.AddSingleton<ExperimentQueue>();
        services.AddSingleton<ExperimentControl>();
        services.AddSingleton<BanStudio.Web.Features.Experiments.OutputsProfiler>();
        services.AddSingleton<TrainingBroadcaster>();
        // Start order matters: the database is migrated and recovered before the queue reads, and the
        // broadcaster outlives the queue on shutdown (services stop in reverse order) to send the last events.
        services.AddHostedService<StudioDatabase>();
        services.AddHostedService(sp => sp.GetRequiredService<TrainingBroadcaster>());
        services.AddHostedService<ExperimentQueueService>();

        // A diverged loss is reported as a failure, but a NaN must never break a response or a hub message.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        services.AddSignalR().AddJsonProtocol(o =>
            o.PayloadSerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals);
        services.AddOpenApi();
        return services;
    }

    /// <summary>
    /// What the CLI's <c>run</c> shares with the app: the options, the SQLite store and the executor that
    /// trains an experiment and records it. In the app the executor also finds the broadcaster.
    /// </summary>
    public static IServiceCollection AddStudioStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StudioOptions>().Bind(configuration.GetSection(StudioOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingletonTimeProvider();
        // Read lazily: a test (or a later configuration source) may still change the path after this call.
        // Interceptors registered as services (IInterceptor) join every context: how the fault tests make a write fail.
        services.AddDbContextFactory<StudioDb>((sp, db) =>
            db.UseSqlite(StudioDb.ConnectionString(sp.GetRequiredService<IOptions<StudioOptions>>().Value.DatabaseFullPath))
              .AddInterceptors(sp.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>()));
        services.AddSingleton<ExperimentRecorder>();
        services.AddSingleton<ExperimentExecutor>();
        return services;
    }

    static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider))) services.AddSingleton(TimeProvider.System);
    }
}
