// The live page of one experiment, /experiments/{id}. Stable hooks for browser tests (data-testid):
//   status                the experiment's status chip; reason: its failure or stop reason, when it has one
//   plan-progress         MudProgressLinear of steps done out of the plan (text: plan-progress-text, ETA: plan-eta)
//   current-model         the model training now; epoch-progress and batch-progress its bars, eta its ETA
//   loss-chart, error-chart, lr-chart
//                         containers of the Plotly charts. Inside each, `.js-plotly-plot` is the plot div and
//                         its `.data[i].x.length` the points of trace i. One model per trained plan step, in plan
//                         order (teacher, treatments, BAN-1..k per seed): in loss-chart and error-chart trace 2m is
//                         model m's test curve and 2m+1 its train curve; in lr-chart trace m. Each trace's uid is
//                         "RUNKEY:test", "RUNKEY:train" or "RUNKEY:lr" (e.g. "seed-1/ban-1:test"), so a test can
//                         look a trace up without counting. At most RunCharts.MaxPoints points per trace.
//   cancel-button, resume-button
//                         the same cancel and resume as POST /api/experiments/{id}/cancel and /resume
//   runs-table            the plan's steps with status and final test error
//   log-panel             the experiment's log, newest first; each message cell is data-testid="log-entry" with
//                         data-severity="info|warning|error"; failure reasons are "error" entries
using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;

namespace BanStudio.Web.Features.Runs;

/// <summary>
/// One experiment as it trains. The page reads the database once, then follows the broadcaster: events
/// land in an inbox on the training thread, and a <see cref="CallbackThrottler"/> drains it at most every
/// <see cref="RefreshInterval"/> on the circuit, appending the new epochs to the charts with ExtendTraces
/// (the charts never re-render) and re-rendering the rest once. Steps starting or ending and log lines
/// re-read the experiment's rows, which the executor stored before it published them. An experiment the
/// CLI's <c>run</c> trains in another process sends no events here: while it runs, the page reads its new
/// rows every <see cref="OtherProcessInterval"/> instead.
/// </summary>
public partial class ExperimentLive : IAsyncDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan OtherProcessInterval = TimeSpan.FromSeconds(2);
    public const int LogLines = 200;

    [Parameter] public int Id { get; set; }
    /// <summary>Points kept per trace (a parameter so a test can make the cap bite with a few epochs).</summary>
    [Parameter] public int MaxPoints { get; set; } = RunCharts.DefaultMaxPoints;

    [Inject] public required IDbContextFactory<StudioDb> DbFactory { get; init; }
    [Inject] public required TrainingBroadcaster Broadcaster { get; init; }
    [Inject] public required ExperimentControl Control { get; init; }
    [Inject] public required ExperimentQueue Queue { get; init; }
    [Inject] public required TimeProvider Clock { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }
    [Inject] public required IDialogService Dialogs { get; init; }
    [Inject] public required NavigationManager Navigation { get; init; }
    [Inject] public required ILogger<ExperimentLive> Log { get; init; }

    readonly System.Collections.Concurrent.ConcurrentQueue<ExperimentEvent> inbox = new();
    readonly CancellationTokenSource disposed = new();
    IDisposable? subscription;
    CallbackThrottler? throttler;
    ITimer? otherProcess;
    volatile bool otherProcessDue;
    int lastMetricId;
    ExperimentPlan? plan;
    Experiment? experiment;
    List<Run> runs = [];
    List<LogEntry> logs = [];
    LiveProgress? progress;
    RunCharts? charts;
    PlotlyChart? lossChart, errorChart, rateChart;
    bool missing, busy;
    int plotted;

    readonly Config config = new() { Responsive = true, DisplayLogo = false };
    // Made with the plan (titles and epochs), before the charts first render; the page draws no chart without a plan.
    Plotly.Blazor.Layout lossLayout = null!, errorLayout = null!, rateLayout = null!;

    bool CanCancel => experiment?.Status is ExperimentStatus.Queued or ExperimentStatus.Running;
    bool CanResume => experiment?.Status is ExperimentStatus.Cancelled or ExperimentStatus.Failed or ExperimentStatus.Interrupted;
    bool CanDelete => experiment?.Status is ExperimentStatus.Completed or ExperimentStatus.Cancelled or ExperimentStatus.Failed or ExperimentStatus.Interrupted;

    protected override async Task OnInitializedAsync()
    {
        // Subscribed before the first read: an event in between is buffered, and an epoch already read is dropped.
        throttler = new CallbackThrottler(Clock, RefreshInterval, () => InvokeAsync(RefreshAsync),
            e => { if (!disposed.IsCancellationRequested) Log.LogError(e, "The live page of experiment {Id} failed to refresh", Id); });
        subscription = Broadcaster.Subscribe(Id, e =>
        {
            inbox.Enqueue(e);
            throttler.Signal();
        });
        await using var db = await DbFactory.CreateDbContextAsync(disposed.Token);
        experiment = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == Id, disposed.Token);
        if (experiment is null)
        {
            missing = true;
            return;
        }
        plan = ExperimentPlan.Create(SpecJson.Parse<ExperimentSpec>(experiment.SpecJson, "experiment spec"));
        await ReadRowsAsync(db);
        progress = new LiveProgress(plan, runs.Where(Done).Select(r => r.Key));
        charts = new RunCharts(plan, MaxPoints);
        int epochs = plan.Spec.Schedule.Epochs; // the ticks fit the whole run from its first point
        lossLayout = Layout(charts.LossTitle, null, epochs, legend: false);
        // Perplexities span from thousands (first epoch) to tens: a log axis keeps the late epochs readable.
        errorLayout = Layout(charts.ErrorTitle, charts.IsLanguageModel ? Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log : null, epochs, legend: true);
        rateLayout = Layout("learning rate", Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log, epochs, legend: false);
        var metrics = await NewMetricsAsync(db);
        foreach (var run in metrics.GroupBy(m => m.Run!.Key))
            charts.Seed(run.Key, run.Select(m => Point(m)));
        if (!inbox.IsEmpty) throttler.Signal();
        otherProcess = Clock.CreateTimer(_ =>
        {
            if (experiment?.Status != ExperimentStatus.Running || Queue.IsRunningHere(Id)) return;
            otherProcessDue = true;
            throttler.Signal();
        }, null, OtherProcessInterval, OtherProcessInterval);
    }

    static EpochPoint Point(EpochMetric m) => new(m.Epoch, m.TrainLoss, m.TestLoss, m.TrainError * 100, m.TestError * 100, m.LearningRate, m.ValidLoss);

    async Task<List<EpochMetric>> NewMetricsAsync(StudioDb db)
    {
        var metrics = await db.EpochMetrics.AsNoTracking().Include(m => m.Run).Where(m => m.Run!.ExperimentId == Id && m.Id > lastMetricId)
            .OrderBy(m => m.Id).ToListAsync(disposed.Token);
        if (metrics.Count > 0) lastMetricId = metrics[^1].Id;
        return metrics;
    }

    /// <summary>The rows another process (the CLI) stored since the last look, as if their events had come here.</summary>
    async Task FollowOtherProcessAsync(StudioDb db)
    {
        foreach (var m in await NewMetricsAsync(db)) charts!.Add(m.Run!.Key, Point(m));
        progress = new LiveProgress(plan!, runs.Where(Done).Select(r => r.Key));
        if (runs.FirstOrDefault(r => r.Status == RunStatus.Running) is not { } running) return;
        var step = plan!.Steps[running.StepIndex];
        progress.Apply(new StepStarted(experiment!.Name, step, running.StepIndex, plan.Steps.Count));
        var last = await db.EpochMetrics.AsNoTracking().Where(m => m.RunId == running.Id).OrderByDescending(m => m.Epoch).FirstOrDefaultAsync(disposed.Token);
        if (last is not null)
            progress.Apply(new StepEpochCompleted(experiment.Name, step, new EpochMetrics(last.Epoch, last.TrainLoss, last.TrainError,
                last.TestLoss, last.TestError, last.TestTop5Error, last.LearningRate, last.Seconds, last.ImagesPerSecond, last.ValidLoss)));
    }

    static bool Done(Run r) => r.Status is RunStatus.Completed or RunStatus.Failed;

    /// <summary>A plan step and its stored run, if it has started.</summary>
    sealed record ModelRow(PlanStep Step, Run? Run);

    IEnumerable<ModelRow> ModelRows => plan is null ? [] : plan.Steps.Select(step => new ModelRow(step, runs.FirstOrDefault(r => r.Key == step.Key)));

    async Task ReadRowsAsync(StudioDb db)
    {
        runs = await db.Runs.AsNoTracking().Where(r => r.ExperimentId == Id).OrderBy(r => r.StepIndex).ToListAsync(disposed.Token);
        logs = await db.LogEntries.AsNoTracking().Where(l => l.ExperimentId == Id).OrderByDescending(l => l.Id).Take(LogLines).ToListAsync(disposed.Token);
    }

    async Task RefreshAsync()
    {
        if (disposed.IsCancellationRequested || progress is null || charts is null) return;
        bool reread = false;
        while (inbox.TryDequeue(out var e))
        {
            if (e is ExperimentDeleted) { Gone(); return; }
            progress.Apply(e);
            if (e is StepEpochCompleted m) charts.Add(m.Step.Key, EpochPoint.From(m.Metrics));
            else if (e is not StepBatchProgress) reread = true;
        }
        bool other = otherProcessDue;
        otherProcessDue = false;
        if (reread || other)
        {
            await using var db = await DbFactory.CreateDbContextAsync(disposed.Token);
            experiment = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(x => x.Id == Id, disposed.Token);
            if (experiment is null) { Gone(); return; }
            await ReadRowsAsync(db);
            if (other) await FollowOtherProcessAsync(db);
        }
        // The charts exist once the page has rendered them; until then their points wait in RunCharts.
        if (Volatile.Read(ref plotted) == 3 && charts.TakePending() is { } fresh)
        {
            if (fresh.Redraw)
            {
                // An epoch came again with other figures (a step retrained from an earlier epoch): draw the charts whole.
                await lossChart!.React(disposed.Token);
                await errorChart!.React(disposed.Token);
                await rateChart!.React(disposed.Token);
            }
            else
            {
                await Extend(lossChart!, fresh.Loss);
                await Extend(errorChart!, fresh.Error);
                await Extend(rateChart!, fresh.Rate);
            }
        }
        StateHasChanged();
    }

    Task Extend(PlotlyChart chart, TraceExtension points) =>
        chart.ExtendTraces(points.X, points.Y, points.Indices, charts!.MaxPoints, disposed.Token);

    /// <summary>How often the page itself has rendered (not counting its children): one per refresh, never one per event.</summary>
    public int Renders { get; private set; }

    protected override void OnAfterRender(bool firstRender) => Renders++;

    /// <summary>
    /// Called by each chart once its plot exists in the browser. Points are extended only after all three:
    /// ExtendTraces changes the server-side lists at once, and a plot still being created would draw them twice.
    /// </summary>
    void Plotted()
    {
        if (Interlocked.Increment(ref plotted) == 3) throttler?.Signal();
    }

    /// <summary>Deleted here or elsewhere (another tab, the API): the page says so instead of showing rows that are gone.</summary>
    void Gone()
    {
        missing = true;
        StateHasChanged();
    }

    async Task DeleteAsync()
    {
        busy = true;
        try
        {
            if (await Experiments.ExperimentDeletion.ConfirmAndDeleteAsync(Dialogs, Control, Snackbar, Id, experiment!.Name, disposed.Token))
                Navigation.NavigateTo("/");
        }
        finally { busy = false; }
    }

    async Task CancelAsync() => await Act(Control.CancelAsync);

    async Task ResumeAsync() => await Act(Control.ResumeAsync);

    async Task Act(Func<int, CancellationToken, Task<ControlResult>> action)
    {
        busy = true;
        try
        {
            var result = await action(Id, disposed.Token);
            if (result.Outcome == ControlOutcome.Accepted) Snackbar.Add($"Experiment {Id}: {result.Status}", Severity.Info);
            else Snackbar.Add(result.Problem ?? $"experiment {Id} was not found", Severity.Warning);
            await using var db = await DbFactory.CreateDbContextAsync(disposed.Token);
            experiment = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(x => x.Id == Id, disposed.Token) ?? experiment;
        }
        finally { busy = false; }
    }

    /// <summary>One legend (the middle chart's) for the three: the others give their width to the curves.</summary>
    static Plotly.Blazor.Layout Layout(string title, Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum? yType, int epochs, bool legend) => new()
    {
        Title = new Title { Text = title },
        ShowLegend = legend,
        Height = 320,
        Margin = new Plotly.Blazor.LayoutLib.Margin { L = 50, R = 10, T = 40, B = 40 },
        XAxis = [Components.EpochAxis.For(epochs)],
        YAxis = [new YAxis { Type = yType }],
    };

    /// <summary>The final-epoch figure of a finished run; a stopped one has none, only how far it got.</summary>
    string FinalText(Run run) => charts?.IsLanguageModel == true
        ? run.FinalValidLoss is { } v && run.FinalTestLoss is { } t ? $"{Math.Exp(v):0.00} / {Math.Exp(t):0.00}" : Stopped(run)
        : run.FinalTestError is { } e ? $"{e * 100:0.00}%" : Stopped(run);

    static string Stopped(Run run) => run.Status is RunStatus.Cancelled or RunStatus.Failed or RunStatus.Interrupted && run.Epochs > 0
        ? $"none (stopped after epoch {run.Epochs})" : "";

    static Color StatusColor(ExperimentStatus status) => Components.StatusColors.Of(status);

    static Color SeverityColor(LogSeverity severity) => severity switch
    {
        LogSeverity.Error => Color.Error,
        LogSeverity.Warning => Color.Warning,
        _ => Color.Default,
    };

    public ValueTask DisposeAsync()
    {
        subscription?.Dispose();
        otherProcess?.Dispose();
        throttler?.Dispose();
        // Cancelled, not disposed: a refresh already queued on the circuit may still look at it.
        disposed.Cancel();
        return ValueTask.CompletedTask;
    }
}
