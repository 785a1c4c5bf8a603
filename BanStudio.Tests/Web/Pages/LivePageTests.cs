using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Web.Features.Runs;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BanStudio.Tests.Web.Pages;

/// <summary>
/// The live experiment page over one stored, running experiment of <paramref name="specJson"/>, with the app's real
/// broadcaster, recorder and SQLite store; Plotly's JS module is bUnit's (there is no browser), which records every
/// call the charts make. The page's clock is fake, so which events share a refresh is decided by the test.
/// </summary>
public abstract class LivePageTests : IAsyncDisposable
{
    const string PlotlyModule = "./_content/Plotly.Blazor/plotly-interop-7.2.0.js";

    protected readonly FakeTimeProvider _clock = new();
    protected readonly PageContext _context;
    protected readonly BunitJSModuleInterop _plotly;
    protected readonly ExperimentPlan _plan;
    protected readonly int _id;

    protected LivePageTests(string specJson, string name)
    {
        _plan = ExperimentPlan.Create(SpecJson.Parse<ExperimentSpec>(specJson, "spec"));
        _context = new PageContext(_clock);
        _plotly = _context.Bunit.JSInterop.SetupModule(PlotlyModule);
        using var db = _context.NewDb();
        var experiment = new Experiment
        {
            Name = name, SpecJson = SpecJson.Write(_plan.Spec), Status = ExperimentStatus.Running,
            TotalSteps = _plan.Steps.Count, CreatedAt = DateTimeOffset.UtcNow, Folder = "/tmp/unused",
        };
        db.Experiments.Add(experiment);
        db.SaveChanges();
        _id = experiment.Id;
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _context.DisposeAsync();
    }

    protected PlanStep Step(string key) => _plan.Steps.Single(s => s.Key == key);

    protected ExperimentRecorder Recorder => _context.Bunit.Services.GetRequiredService<ExperimentRecorder>();

    /// <summary>What the executor does with each event: store it, then publish it.</summary>
    protected void Happen(ExperimentEvent e)
    {
        Recorder.Record(_id, _plan, "/tmp/unused", e);
        _context.Broadcaster.Publish(_id, e);
    }

    /// <summary>The page, once each of its three charts has been created in the browser.</summary>
    protected IRenderedComponent<ExperimentLive> Render(int maxPoints = RunCharts.DefaultMaxPoints)
    {
        var page = _context.Bunit.Render<ExperimentLive>(p => p.Add(x => x.Id, _id).Add(x => x.MaxPoints, maxPoints));
        page.WaitForAssertion(() => Assert.Equal(3, _plotly.Invocations["newPlot"].Count));
        return page;
    }
}
