using System.Collections.Concurrent;
using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Features.Experiments;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace BanStudio.Web.Features.Dashboard;

/// <summary>
/// Every experiment with its progress and ETA. The list is read once, then follows the broadcaster through
/// a throttled subscription: an experiment queued, a step started or finished, or an experiment ended
/// re-reads the list (one small query per <see cref="RefreshInterval"/> at most), while batch progress
/// only moves the running experiment's ETA in memory. No timer, no query per batch.
/// </summary>
/// <remarks>
/// The CLI's <c>run</c> trains in its own process, whose events this one never sees: while an experiment
/// is running elsewhere, the list is re-read every <see cref="OtherProcessInterval"/>; a new CLI experiment
/// appears with the next re-read of the list, or when the page is opened again.
/// data-testid: device (the chip), experiment-link (each name, to /experiments/{id}), experiment-progress,
/// experiment-eta (running experiments only), select-{id} (each row's tick box), compare-selected (opens Compare
/// with the ticked experiments, by id), experiment-compare (each row's own Compare link), delete-{id} (each row's Delete,
/// enabled for experiments that are not queued or training; it asks first).
/// </remarks>
public partial class Dashboard : IDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan OtherProcessInterval = TimeSpan.FromSeconds(2);

    // The device cannot change while the process lives, and resolving it loads libtorch: once is enough.
    static readonly Lazy<(string Name, string? Why)> device = new(() => DeviceChoice.Summarise(DeviceChoice.Resolve("auto")));

    [Inject] public required IDbContextFactory<StudioDb> DbFactory { get; init; }
    [Inject] public required TrainingBroadcaster Broadcaster { get; init; }
    [Inject] public required ExperimentQueue Queue { get; init; }
    [Inject] public required TimeProvider Clock { get; init; }
    [Inject] public required ExperimentControl Control { get; init; }
    [Inject] public required IDialogService Dialogs { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }
    [Inject] public required ILogger<Dashboard> Log { get; init; }
    [Inject] public required NavigationManager Navigation { get; init; }

    readonly ConcurrentQueue<(int Id, ExperimentEvent Event)> inbox = new();
    readonly Dictionary<int, LiveProgress> progress = new();
    readonly CancellationTokenSource disposed = new();
    ExperimentListItem[]? experiments;
    // Ids, not rows: the list is re-read as experiments progress, and a tick must survive that.
    readonly HashSet<int> selected = [];
    IDisposable? subscription;
    CallbackThrottler? throttler;
    ITimer? otherProcess;
    volatile bool otherProcessDue;

    static (string Name, string? Why) Device => device.Value;

    protected override async Task OnInitializedAsync()
    {
        throttler = new CallbackThrottler(Clock, RefreshInterval, () => InvokeAsync(RefreshAsync),
            e => { if (!disposed.IsCancellationRequested) Log.LogError(e, "The dashboard failed to refresh"); });
        subscription = Broadcaster.SubscribeAll((id, e) =>
        {
            inbox.Enqueue((id, e));
            throttler.Signal();
        });
        await LoadAsync();
        otherProcess = Clock.CreateTimer(_ =>
        {
            if (experiments?.Any(e => e.Status == Words.Of(ExperimentStatus.Running) && !Queue.IsRunningHere(e.Id)) != true) return;
            otherProcessDue = true;
            throttler.Signal();
        }, null, OtherProcessInterval, OtherProcessInterval);
    }

    async Task LoadAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync(disposed.Token);
        experiments = await ExperimentsApi.ListAsync(db, disposed.Token);
    }

    async Task RefreshAsync()
    {
        if (disposed.IsCancellationRequested) return;
        bool reread = false;
        while (inbox.TryDequeue(out var item))
        {
            var (id, e) = item;
            if (e is not (StepBatchProgress or StepEpochCompleted)) reread = true;
            if (e is ExperimentDeleted) selected.Remove(id);
            if (e is ExperimentEnded or ExperimentQueued or ExperimentDeleted) { progress.Remove(id); continue; }
            if (!progress.TryGetValue(id, out var tracker))
            {
                // Deleted since (its ExperimentDeleted follows in this batch or the next): nothing to track.
                if (await TrackerAsync(id) is not { } added) continue;
                progress[id] = tracker = added;
            }
            tracker.Apply(e);
        }
        if (reread || otherProcessDue)
        {
            otherProcessDue = false;
            await LoadAsync();
        }
        StateHasChanged();
    }

    /// <summary>An experiment seen training for the first time since the page opened: its plan and what it already finished; null when it is gone.</summary>
    async Task<LiveProgress?> TrackerAsync(int id)
    {
        await using var db = await DbFactory.CreateDbContextAsync(disposed.Token);
        string? spec = await db.Experiments.Where(e => e.Id == id).Select(e => e.SpecJson).SingleOrDefaultAsync(disposed.Token);
        if (spec is null) return null;
        var done = await db.Runs.Where(r => r.ExperimentId == id && (r.Status == RunStatus.Completed || r.Status == RunStatus.Failed))
            .Select(r => r.Key).ToListAsync(disposed.Token);
        return new LiveProgress(ExperimentPlan.Create(SpecJson.Parse<ExperimentSpec>(spec, "experiment spec")), done);
    }

    /// <summary>The ETA of a running experiment, once one of its batches has been timed here.</summary>
    string? Eta(ExperimentListItem e) => e.Status == Words.Of(ExperimentStatus.Running) && progress.TryGetValue(e.Id, out var p)
        ? ProgressSnapshot.Format(p.Snapshot().PlanEta)
        : null;

    void Select(int id, bool on)
    {
        if (on) selected.Add(id);
        else selected.Remove(id);
    }

    /// <summary>Compare with the ticked experiments, in ascending id order (the compare page keeps it).</summary>
    void CompareSelected() => Navigation.NavigateTo($"/compare?ids={string.Join(',', selected.Order())}");

    /// <summary>A queued or training experiment must be cancelled before it can be deleted.</summary>
    static bool CanDelete(ExperimentListItem e) => e.Status != Words.Of(ExperimentStatus.Queued) && e.Status != Words.Of(ExperimentStatus.Running);

    /// <summary>The list follows from the broadcaster's <see cref="ExperimentDeleted"/>, here and in every other open dashboard.</summary>
    async Task DeleteAsync(ExperimentListItem e) =>
        await ExperimentDeletion.ConfirmAndDeleteAsync(Dialogs, Control, Snackbar, e.Id, e.Name, disposed.Token);

    static Color StatusColor(string status) => Components.StatusColors.Of(status);

    public void Dispose()
    {
        subscription?.Dispose();
        otherProcess?.Dispose();
        throttler?.Dispose();
        // Cancelled, not disposed: a refresh already queued on the circuit may still look at it.
        disposed.Cancel();
    }
}
