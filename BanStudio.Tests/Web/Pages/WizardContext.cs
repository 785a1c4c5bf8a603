using AngleSharp.Dom;
using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Web.Features.Experiments.Wizard;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Queue;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace BanStudio.Tests.Web.Pages;

/// <summary>
/// The wizard page on a <see cref="PageContext"/> (real SQLite file) with the app's queue and options,
/// and the moves a user makes: typing into an input, choosing in a select, uploading a file, stepping.
/// </summary>
public sealed class WizardContext : IAsyncDisposable
{
    readonly BanStudio.Tests.Data.TempFolder _runs = new();

    public WizardContext()
    {
        Pages.Bunit.Services.AddSingleton<ExperimentQueue>();
        Pages.Bunit.Services.AddSingleton(Options.Create(new StudioOptions { DatabasePath = Pages.DatabasePath, RunsDirectory = _runs.Path }));
    }

    public PageContext Pages { get; } = new();

    public ExperimentQueue Queue => Pages.Bunit.Services.GetRequiredService<ExperimentQueue>();

    public IRenderedComponent<NewExperiment> Render() => Pages.Bunit.Render<NewExperiment>();

    public async ValueTask DisposeAsync()
    {
        await Pages.DisposeAsync();
        _runs.Dispose();
    }

    /// <summary>MudBlazor 9 puts a text or number field's attributes on its input element.</summary>
    public static IElement Input(IRenderedComponent<NewExperiment> page, string testId) => page.Find($"input[data-testid={testId}]");

    /// <summary>
    /// Types into a debounced field and leaves it, which commits the text at once as a user tabbing away does. Each
    /// event is found and raised on the renderer's dispatcher: the wizard re-renders from other threads (the parameter
    /// count is computed off the UI thread), and a render between finding the input and raising its event would leave
    /// the test holding a stale event handler (bUnit's UnknownEventHandlerIdException; seen once in CI-like runs).
    /// </summary>
    public static void Type(IRenderedComponent<NewExperiment> page, string testId, string text)
    {
        page.InvokeAsync(() => Input(page, testId).Input(text)).GetAwaiter().GetResult();
        page.InvokeAsync(() => Input(page, testId).Blur()).GetAwaiter().GetResult();
    }

    /// <summary>The spec's message shown under the input with that test id; empty when there is none.</summary>
    public static string ErrorText(IRenderedComponent<NewExperiment> page, string testId) =>
        page.FindAll($"[data-testid={testId}-error]").SingleOrDefault()?.TextContent.Trim() ?? "";

    public static bool InputHasError(IRenderedComponent<NewExperiment> page, string testId) => ErrorText(page, testId).Length > 0;

    /// <summary>Chooses <paramref name="value"/> in the MudSelect with that test id, as picking it from its list does.</summary>
    public static void Choose<T>(IRenderedComponent<NewExperiment> page, string testId, T value)
    {
        var select = page.FindComponents<MudSelect<T>>()
            .Single(s => s.Instance.UserAttributes.TryGetValue("data-testid", out var id) && (string?)id == testId);
        page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(value)).GetAwaiter().GetResult();
    }

    public static void Next(IRenderedComponent<NewExperiment> page) => page.Find("[data-testid=wizard-next]").Click();

    /// <summary>Steps forward with Next until <paramref name="step"/> is showing.</summary>
    public static void GoTo(IRenderedComponent<NewExperiment> page, WizardStep step)
    {
        for (int i = 0; i < 5 && ActiveStep(page) < step; i++)
        {
            var before = ActiveStep(page);
            Next(page);
            // The stepper moves on asynchronously after the click.
            page.WaitForAssertion(() => Assert.Equal(before + 1, ActiveStep(page)), TimeSpan.FromSeconds(10));
        }
        Assert.Equal(step, ActiveStep(page));
    }

    public static WizardStep ActiveStep(IRenderedComponent<NewExperiment> page)
    {
        // MudBlazor 9 renders each step's header as a button with role=tab inside the nav.
        var tabs = page.FindAll(".mud-stepper-nav [role=tab]").ToList();
        return (WizardStep)tabs.FindIndex(t => t.GetAttribute("aria-selected") == "true");
    }

    public static void Upload(IRenderedComponent<NewExperiment> page, string json, string name = "spec.json") =>
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(json, name));

    /// <summary>Specs hold arrays, which records compare by reference: compare them member by member.</summary>
    public static void AssertSameSpec(ExperimentSpec expected, ExperimentSpec actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Dataset, actual.Dataset);
        Assert.Equal(expected.Teacher, actual.Teacher);
        Assert.Equal(expected.Student, actual.Student);
        Assert.Equal(expected.Generations, actual.Generations);
        Assert.Equal(expected.Treatments, actual.Treatments);
        Assert.Equal(expected.Ensembles, actual.Ensembles);
        Assert.Equal(expected.EnsembleIncludesTeacher, actual.EnsembleIncludesTeacher);
        Assert.Equal(expected.SharedStart, actual.SharedStart);
        Assert.Equal(expected.Temperature, actual.Temperature);
        Assert.Equal(expected.GenerationObjective, actual.GenerationObjective);
        Assert.Equal(expected.Schedule.Milestones, actual.Schedule.Milestones);
        double[] same = [];
        Assert.Equal(expected.Schedule with { Milestones = same }, actual.Schedule with { Milestones = same });
        Assert.Equal(expected.Seeds, actual.Seeds);
        Assert.Equal(expected.Device, actual.Device);
        Assert.Equal(SpecJson.Write(expected), SpecJson.Write(actual));
    }
}
