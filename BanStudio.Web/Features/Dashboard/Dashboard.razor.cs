using BanStudio.Training.Training;
using BanStudio.Web.Features.Experiments;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace BanStudio.Web.Features.Dashboard;

/// <summary>Every experiment with its progress, re-read on a timer rather than per batch.</summary>
public partial class Dashboard : IDisposable
{
    /// <summary>
    /// Progress moves by whole steps (a training or an ensemble), minutes apart: a re-query every
    /// two seconds is current enough and costs one small SQLite read, where following the
    /// broadcaster would re-render on every batch of every run.
    /// </summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    // The device cannot change while the process lives, and resolving it loads libtorch: once is enough.
    static readonly Lazy<string> device = new(() => DeviceChoice.Describe(DeviceChoice.Resolve("auto")));

    [Inject] public required IDbContextFactory<StudioDb> DbFactory { get; init; }
    [Inject] public required TimeProvider Clock { get; init; }

    ExperimentListItem[]? experiments;
    ITimer? timer;
    // Set while a re-query runs, so a slow read is never overlapped by the next tick.
    int refreshing;
    readonly CancellationTokenSource disposed = new();

    static string Device => device.Value;

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        timer = Clock.CreateTimer(state => _ = InvokeAsync(RefreshAsync), null, RefreshInterval, RefreshInterval);
    }

    async Task LoadAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync(disposed.Token);
        experiments = await ExperimentsApi.ListAsync(db, disposed.Token);
    }

    async Task RefreshAsync()
    {
        if (disposed.IsCancellationRequested || Interlocked.Exchange(ref refreshing, 1) == 1) return;
        try
        {
            await LoadAsync();
            StateHasChanged();
        }
        catch (OperationCanceledException) when (disposed.IsCancellationRequested) { }
        finally { Volatile.Write(ref refreshing, 0); }
    }

    static Color StatusColor(string status) => Enum.Parse<ExperimentStatus>(status, ignoreCase: true) switch
    {
        ExperimentStatus.Running => Color.Info,
        ExperimentStatus.Completed => Color.Success,
        ExperimentStatus.Failed => Color.Error,
        ExperimentStatus.Cancelled or ExperimentStatus.Interrupted => Color.Warning,
        _ => Color.Default,
    };

    public void Dispose()
    {
        timer?.Dispose();
        // Cancelled, not disposed: a tick already queued on the circuit may still look at it.
        disposed.Cancel();
    }
}
