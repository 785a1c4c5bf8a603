using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace BanStudio.Web.Features.Compare;

/// <summary>Side-by-side curves of the chosen models: a mean line and a ±std band per seed group, optionally smoothed.</summary>
public partial class CurvesChart
{
    [Parameter, EditorRequired] public required Comparison Comparison { get; set; }
    [Parameter, EditorRequired] public required IReadOnlyList<EpochRow> Epochs { get; set; }

    sealed record Choice(string Key, int Row, string Column, string Text);

    // A colour per curve; the band is the same colour, translucent.
    static readonly string[] palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    List<Choice> choices = [];
    IReadOnlyCollection<string> selected = [];
    CurveQuantity quantity = CurveQuantity.Metric;
    double smoothing;
    PlotlyChart? chart;
    readonly Config config = new() { Responsive = true, DisplayLogo = false };
    Plotly.Blazor.Layout layout = new();
    IList<ITrace> data = [];

    /// <summary>The curves now drawn (tests read them; the chart gets them as traces).</summary>
    public IReadOnlyList<CurveSeries> Series { get; private set; } = [];

    protected override void OnParametersSet()
    {
        var present = Epochs.Select(e => (e.Row, e.Column)).Distinct().ToHashSet();
        choices = Comparison.Rows.SelectMany(r => r.Cells.Where(c => present.Contains((r.Index, c.Column)))
                .Select(c => new Choice($"{r.Index}:{c.Column}", r.Index, c.Column,
                    Comparison.Rows.Count == 1 ? c.Column : $"{c.Column} · row {r.Index + 1}")))
            .ToList();
        // Teacher and BAN-1 of every row to start with: the comparison the paper is about.
        var keys = choices.Select(c => c.Key).ToHashSet();
        selected = selected.Where(keys.Contains).ToList() is { Count: > 0 } kept
            ? kept
            : choices.Where(c => c.Column is "Teacher" or "BAN-1").Select(c => c.Key).DefaultIfEmpty(choices.FirstOrDefault()?.Key ?? "")
                .Where(k => k.Length > 0).ToList();
        Rebuild();
        // New parameters (the page chose other experiments, another reference or metric) after the chart was drawn:
        // Plotly draws only on the first render, so redraw once this render has handed the chart its new traces.
        redrawAfterRender = chart is not null;
    }

    bool redrawAfterRender;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!redrawAfterRender || chart is null) return;
        redrawAfterRender = false;
        await chart.React();
    }

    async Task OnModelsChanged(IReadOnlyCollection<string>? values)
    {
        selected = values ?? [];
        await RedrawAsync();
    }

    async Task OnQuantityChanged(CurveQuantity value)
    {
        quantity = value;
        await RedrawAsync();
    }

    async Task OnSmoothingChanged(double value)
    {
        smoothing = value;
        await RedrawAsync();
    }

    async Task RedrawAsync()
    {
        Rebuild();
        if (chart is not null) await chart.React();
    }

    void Rebuild()
    {
        var wanted = choices.Where(c => selected.Contains(c.Key)).Select(c => (c.Row, c.Column)).ToHashSet();
        Series = Curves.Build(Comparison, Epochs, wanted, quantity, smoothing);
        // Rows measured differently (image error and language-model perplexity) get an axis each: the first metric
        // drawn on the left, any other on the right, never two units on one scale.
        var metrics = Series.Select(s => Comparison.Rows[s.Row].Metric).DefaultIfEmpty(Comparison.Rows.FirstOrDefault()?.Metric)
            .OfType<string>().Distinct().ToList();
        bool twoAxes = quantity == CurveQuantity.Metric && metrics.Count > 1;
        var traces = new List<ITrace>();
        for (int i = 0; i < Series.Count; i++)
        {
            var s = Series[i];
            string? axis = twoAxes && Comparison.Rows[s.Row].Metric != metrics[0] ? "y2" : null;
            string colour = palette[i % palette.Length];
            string name = Comparison.Rows.Count == 1 ? s.Column : $"{s.Column} · row {s.Row + 1}";
            name += $" (n={s.Seeds})";
            var banded = s.Epochs.Select((e, k) => (e, k)).Where(p => s.Std[p.k] is not null).ToList();
            if (banded.Count > 0)
            {
                // One closed polygon: upper edge left to right, lower edge back.
                traces.Add(new Scatter
                {
                    X = banded.Select(p => (object)p.e).Concat(banded.AsEnumerable().Reverse().Select(p => (object)p.e)).ToList(),
                    Y = banded.Select(p => (object)(s.Mean[p.k] + s.Std[p.k]!.Value))
                        .Concat(banded.AsEnumerable().Reverse().Select(p => (object)(s.Mean[p.k] - s.Std[p.k]!.Value))).ToList(),
                    Fill = FillEnum.ToSelf, FillColor = Translucent(colour), Mode = ModeFlag.Lines,
                    Line = new Line { Width = 0, Color = colour }, HoverInfo = HoverInfoFlag.Skip, ShowLegend = false, Name = name + " ± std", YAxis = axis,
                });
            }
            traces.Add(new Scatter
            {
                X = s.Epochs.Select(e => (object)e).ToList(),
                Y = s.Mean.Select(v => (object)v).ToList(),
                Mode = ModeFlag.Lines, Name = name, Line = new Line { Color = colour, Width = 2 }, YAxis = axis,
            });
        }
        data = traces;
        string AxisTitle(IEnumerable<string> keys) =>
            string.Join(" / ", keys.Select(k => Curves.Label(quantity, ComparisonMetric.ByKey(k))).Distinct());
        var axes = new List<YAxis> { new() { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = AxisTitle(metrics.Take(1).DefaultIfEmpty(ComparisonMetric.TestError.Key)) } } };
        if (twoAxes)
            axes.Add(new YAxis
            {
                Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = AxisTitle(metrics.Skip(1)) },
                Overlaying = "y", Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right,
            });
        layout = new Plotly.Blazor.Layout
        {
            Height = 420,
            Margin = new Margin { T = 20, R = twoAxes ? 70 : 20, B = 50, L = 60 },
            XAxis = [Components.EpochAxis.For(Series.SelectMany(s => s.Epochs).DefaultIfEmpty(1).Max())],
            YAxis = axes,
        };
    }

    static string Translucent(string hex) =>
        $"rgba({Convert.ToInt32(hex[1..3], 16)},{Convert.ToInt32(hex[3..5], 16)},{Convert.ToInt32(hex[5..7], 16)},0.2)";
}
