using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace BanStudio.Web.Features.Runs;

/// <summary>
/// One epoch of one model as the charts plot it; errors in percent. Language models also carry the validation loss,
/// and their perplexities are exp(loss per word).
/// </summary>
public sealed record EpochPoint(int Epoch, double TrainLoss, double TestLoss, double TrainError, double TestError, double LearningRate,
    double? ValidLoss = null)
{
    public double TrainPerplexity => Math.Exp(TrainLoss);
    public double TestPerplexity => Math.Exp(TestLoss);
    /// <summary>NaN without a validation split, which Plotly leaves as a gap rather than a point.</summary>
    public double ValidPerplexity => ValidLoss is { } v ? Math.Exp(v) : double.NaN;

    public static EpochPoint From(EpochMetrics m) =>
        new(m.Epoch, m.TrainLoss, m.TestLoss, m.TrainError * 100, m.TestError * 100, m.LearningRate, m.ValidLoss);
}

/// <summary>New points for one chart, in the shape <see cref="PlotlyChart.ExtendTraces"/> takes.</summary>
public sealed record TraceExtension(IReadOnlyList<object[]> X, IReadOnlyList<object[]> Y, IReadOnlyList<int> Indices);

/// <summary>
/// The live page's three charts: loss and error (for model m, trace 2m is test, solid, and 2m+1 train,
/// dashed, same colour) and learning rate (trace m), one model per trained plan step in plan order.
/// Every trace carries uid "RUNKEY:test", "RUNKEY:train" or "RUNKEY:lr". For a language model (a text dataset,
/// <see cref="IsLanguageModel"/>) the second chart is perplexity instead of error, with three traces per model:
/// 3m test (solid), 3m+1 train (dashed), 3m+2 validation (dotted, uid "RUNKEY:valid"), as Table 6 reads them. Points arrive from the training
/// thread through <see cref="Add"/> and leave in batches through <see cref="TakePending"/>; an epoch the
/// chart already has with the same figures (read from the database while events were buffered) is dropped, not drawn
/// twice, and one reported again with other figures (a step retrained from an earlier epoch) replaces its point, and
/// the charts are drawn again from what they hold. Each trace keeps at most <see cref="MaxPoints"/> points, here and in the browser.
/// </summary>
public sealed class RunCharts
{
    /// <summary>Far more epochs than the paper's 200; a bound so a long run cannot grow a page without end.</summary>
    public const int DefaultMaxPoints = 1000;

    // Plotly's own default colour cycle, so a model keeps its colour across the three charts.
    static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    readonly Lock _gate = new();
    readonly Dictionary<string, int> _model = new();
    readonly Dictionary<int, int> _lastEpoch = new();
    // Every model's points by epoch, as the traces show them: what a redraw draws.
    readonly Dictionary<int, SortedDictionary<int, EpochPoint>> _points = new();
    static readonly TraceExtension Empty = new([], [], []);
    readonly List<(int Model, EpochPoint Point)> _pending = [];

    public RunCharts(ExperimentPlan plan, int maxPoints = DefaultMaxPoints)
    {
        MaxPoints = maxPoints;
        IsLanguageModel = plan.Spec.Dataset.IsText;
        bool seeds = plan.Spec.Seeds.Length > 1;
        foreach (var step in plan.Steps.Where(s => s.Kind == StepKind.Train))
        {
            int m = _model.Count;
            _model[step.Key] = m;
            string name = seeds ? $"{step.Column} s{step.Seed}" : step.Column;
            string colour = Palette[m % Palette.Length];
            Loss.Add(Trace(step.Key + ":test", $"{name} test", colour, dash: null));
            // An image student's train loss is its training objective (e.g. BAN+L's two cross-entropies), not the label
            // loss its test curve shows: the legend says so. (The sequence trainer logs the label term, for perplexity.)
            bool distilled = !IsLanguageModel && step.Objective != BanStudio.Training.Objectives.ObjectiveKind.Label;
            HasDistilledStudents |= distilled;
            Loss.Add(Trace(step.Key + ":train", distilled ? $"{name} train objective" : $"{name} train", colour, dash: "dash"));
            Error.Add(Trace(step.Key + ":test", $"{name} test", colour, dash: null));
            Error.Add(Trace(step.Key + ":train", $"{name} train", colour, dash: "dash"));
            if (IsLanguageModel) Error.Add(Trace(step.Key + ":valid", $"{name} valid", colour, dash: "dot"));
            Rate.Add(Trace(step.Key + ":lr", name, colour, dash: null));
        }
    }

    public int MaxPoints { get; }
    /// <summary>A language model's plan: the second chart shows perplexity (train, valid, test) instead of error.</summary>
    public bool IsLanguageModel { get; }
    /// <summary>The second chart's y-axis title.</summary>
    public string ErrorTitle => IsLanguageModel ? "perplexity (train / valid / test)" : "error (%)";
    /// <summary>The first chart's title; short, so it fits a third of the page (the note below the charts says what the train curves are).</summary>
    public string LossTitle => IsLanguageModel ? "loss (cross-entropy per word)" : "loss (cross-entropy)";
    /// <summary>What the line styles mean, shown under the charts; a distilled student's train curve is its own objective.</summary>
    public string LineNote => "Solid lines: test" + (IsLanguageModel ? " (valid dotted)" : "") + "; dashed: train." +
                              (HasDistilledStudents ? " A student's train curve is the objective it learns with (from its teacher's outputs), not label cross-entropy." : "") +
                              " The legend is on the middle chart; each model has the same colour in all three.";
    /// <summary>Some step trains on a teacher's outputs, so its train curve is that objective rather than label cross-entropy.</summary>
    public bool HasDistilledStudents { get; }
    /// <summary>What the trainer's throughput counts.</summary>
    public string ThroughputUnit => IsLanguageModel ? "words/s" : "images/s";
    /// <summary>Loss, then the error chart (or perplexity for language models), then learning rate.</summary>
    public IList<ITrace> Loss { get; } = new List<ITrace>();
    public IList<ITrace> Error { get; } = new List<ITrace>();
    public IList<ITrace> Rate { get; } = new List<ITrace>();
    public IReadOnlyCollection<string> RunKeys => _model.Keys;

    static Scatter Trace(string uid, string name, string colour, string? dash) => new()
    {
        UId = uid, Name = name, LegendGroup = uid[..uid.LastIndexOf(':')], Mode = ModeFlag.Lines | ModeFlag.Markers,
        Line = new Line { Color = colour, Dash = dash }, X = new List<object>(), Y = new List<object>(),
    };

    /// <summary>The points stored before the page opened; only the last <see cref="MaxPoints"/> are kept.</summary>
    public void Seed(string runKey, IEnumerable<EpochPoint> points)
    {
        if (!_model.TryGetValue(runKey, out int m)) return;
        var kept = points.OrderBy(p => p.Epoch).TakeLast(MaxPoints).ToList();
        if (kept.Count == 0) return;
        lock (_gate)
        {
            var stored = Points(m);
            stored.Clear();
            foreach (var p in kept) stored[p.Epoch] = p;
            Draw(m);
            _lastEpoch[m] = kept[^1].Epoch;
        }
    }

    SortedDictionary<int, EpochPoint> Points(int m) =>
        _points.TryGetValue(m, out var points) ? points : _points[m] = new SortedDictionary<int, EpochPoint>();

    // Sets model m's traces to its stored points (under the lock).
    void Draw(int m)
    {
        var points = Points(m).Values.ToList();
        foreach (var (trace, value) in Series(m))
        {
            trace.X = points.Select(p => (object)p.Epoch).ToList();
            trace.Y = points.Select(p => (object)value(p)).ToList();
        }
    }

    /// <summary>Called on the training thread for each finished epoch.</summary>
    public void Add(string runKey, EpochPoint point)
    {
        if (!_model.TryGetValue(runKey, out int m)) return;
        lock (_gate) _pending.Add((m, point));
    }

    /// <summary>
    /// Everything added since the last call, per chart; null when nothing new. Redraw is true (and the extensions empty)
    /// when an epoch came again with other figures: the traces then hold every model's points afresh, for the page to draw whole.
    /// </summary>
    public (TraceExtension Loss, TraceExtension Error, TraceExtension Rate, bool Redraw)? TakePending()
    {
        List<(int Model, EpochPoint Point)> fresh = [];
        bool redraw = false;
        lock (_gate)
        {
            foreach (var (m, p) in _pending)
            {
                var stored = Points(m);
                if (_lastEpoch.TryGetValue(m, out int last) && p.Epoch <= last)
                {
                    // Read from the database already (the same figures), or older than the points kept: nothing to draw.
                    if (stored.TryGetValue(p.Epoch, out var had) ? had == p : stored.Count >= MaxPoints && p.Epoch < stored.Keys.First()) continue;
                    redraw = true;
                }
                else _lastEpoch[m] = p.Epoch;
                stored[p.Epoch] = p;
                while (stored.Count > MaxPoints) stored.Remove(stored.Keys.First());
                fresh.Add((m, p));
            }
            _pending.Clear();
            if (redraw)
            {
                foreach (int m in _points.Keys) Draw(m);
                return (Empty, Empty, Empty, true);
            }
        }
        if (fresh.Count == 0) return null;
        var byModel = fresh.GroupBy(f => f.Model).Select(g => (Model: g.Key, Points: g.Select(f => f.Point).TakeLast(MaxPoints).ToList())).ToList();
        return (Extension(byModel, 2, [p => p.TestLoss, p => p.TrainLoss]),
                Extension(byModel, ErrorSeries.Length, ErrorSeries),
                Extension(byModel, 1, [p => p.LearningRate]), false);
    }

    static TraceExtension Extension(List<(int Model, List<EpochPoint> Points)> byModel, int perModel, Func<EpochPoint, double>[] values)
    {
        var x = new List<object[]>();
        var y = new List<object[]>();
        var indices = new List<int>();
        foreach (var (m, points) in byModel)
            for (int k = 0; k < perModel; k++)
            {
                x.Add(points.Select(p => (object)p.Epoch).ToArray());
                y.Add(points.Select(p => (object)values[k](p)).ToArray());
                indices.Add(m * perModel + k);
            }
        return new TraceExtension(x, y, indices);
    }

    // The second chart's values per model, in trace order.
    Func<EpochPoint, double>[] ErrorSeries => IsLanguageModel
        ? [p => p.TestPerplexity, p => p.TrainPerplexity, p => p.ValidPerplexity]
        : [p => p.TestError, p => p.TrainError];

    IEnumerable<(Scatter Trace, Func<EpochPoint, double> Value)> Series(int m)
    {
        yield return ((Scatter)Loss[2 * m], p => p.TestLoss);
        yield return ((Scatter)Loss[2 * m + 1], p => p.TrainLoss);
        var error = ErrorSeries;
        for (int k = 0; k < error.Length; k++) yield return ((Scatter)Error[error.Length * m + k], error[k]);
        yield return ((Scatter)Rate[m], p => p.LearningRate);
    }
}
