using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Language;
using BanStudio.Training.Training;
using BanStudio.Web.Features.Datasets;
using BanStudio.Web.Features.Experiments.Wizard;
using BanStudio.Web.Infrastructure.Data;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using static BanStudio.Tests.Web.Pages.WizardContext;

namespace BanStudio.Tests.Web.Pages;

/// <summary>The wizard builds a language-model experiment: text data, an LSTM teacher, the plateau schedule, launch.</summary>
[Collection(TorchCollection.Name)]
public sealed class WizardLanguageModelTests : IAsyncDisposable
{
    readonly WizardContext _wizard = new();

    public ValueTask DisposeAsync() => _wizard.DisposeAsync();

    static long Count(IRenderedComponent<NewExperiment> page)
    {
        string text = page.Find("[data-testid=teacher-parameters]").GetAttribute("data-count") ?? "";
        return text.Length == 0 ? -1 : long.Parse(text, CultureInfo.InvariantCulture);
    }

    static void ChooseDataset(IRenderedComponent<NewExperiment> page, string kind)
    {
        var list = page.FindComponent<MudList<string>>();
        page.InvokeAsync(() => list.Instance.SelectedValueChanged.InvokeAsync(kind)).GetAwaiter().GetResult();
    }

    [Fact]
    public void The_families_the_wizard_offers_follow_the_data_and_include_the_language_models()
    {
        Assert.Equal(["cnnlstm", "lstm"], ModelFamilies.For(text: true).Select(f => f.Key).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(ModelFamilies.For(text: false), f => f.IsLanguageModel);
        Assert.Equal(ModelFamilies.All.Count, ModelFamilies.For(true).Count + ModelFamilies.For(false).Count);
    }

    [Fact]
    public void A_language_model_spec_is_built_step_by_step_launched_and_reads_back_equal()
    {
        var page = _wizard.Render();
        // Both corpora are listed after the images, built-in text first.
        var items = page.FindAll("[data-testid=dataset-list] [data-testid^=dataset-]").Select(e => e.GetAttribute("data-testid")).ToList();
        Assert.True(items.IndexOf("dataset-builtin-text") > items.IndexOf("dataset-builtin"));
        Assert.True(items.IndexOf("dataset-ptb") > items.IndexOf("dataset-builtin-text"));
        Assert.Equal("available", page.Find("[data-testid=dataset-builtin-text-status]").TextContent.Trim());

        ChooseDataset(page, TextDatasets.BuiltinText);
        page.WaitForAssertion(() => Assert.IsType<LstmSpec>(page.Instance.Model.Spec.Teacher));
        Assert.Equal(LearningRateSchedule.Plateau, page.Instance.Model.Spec.Schedule.Schedule);
        Assert.Empty(page.Instance.Model.Errors);
        Type(page, "dataset-trainSize", "40");
        page.WaitForAssertion(() => Assert.Equal(40, page.Instance.Model.Spec.Dataset.TrainSize));

        GoTo(page, WizardStep.Teacher);
        Type(page, "teacher-units", "24");
        page.WaitForAssertion(() => Assert.Equal(24, ((LstmSpec)page.Instance.Model.Spec.Teacher).Units));
        // Counted for the built-in text's vocabulary, not for 10 image classes.
        long expected = ((LstmSpec)page.Instance.Model.Spec.Teacher).CountParameters(LanguageModelSpec.ShapeFor(TextDatasetEntries.BuiltinVocabulary));
        page.WaitForAssertion(() => Assert.Equal(expected, Count(page)), TimeSpan.FromSeconds(20));
        Type(page, "teacher-units", "0");
        page.WaitForAssertion(() => Assert.Contains("units 0 must be between 1 and 10000", ErrorText(page, "teacher-units")));
        Type(page, "teacher-units", "24");
        page.WaitForAssertion(() => Assert.Empty(page.Instance.Model.Errors));

        GoTo(page, WizardStep.Students);
        GoTo(page, WizardStep.Schedule);
        Assert.Equal("35 steps", Input(page, "schedule-bptt").GetAttribute("value"));
        Type(page, "schedule-clipGradNorm", "2.5");
        Type(page, "schedule-plateauThreshold", "0.5");
        Type(page, "schedule-epochs", "2");
        page.WaitForAssertion(() => Assert.Equal((2.5, 0.5, 2), (page.Instance.Model.Spec.Schedule.ClipGradNorm, page.Instance.Model.Spec.Schedule.PlateauThreshold, page.Instance.Model.Spec.Schedule.Epochs)));
        Type(page, "schedule-testBatchSize", "0");
        page.WaitForAssertion(() => Assert.Contains("must be between 1 and 65536 (got 0)", ErrorText(page, "schedule-testBatchSize")));
        Type(page, "schedule-testBatchSize", "1");
        page.WaitForAssertion(() => Assert.Equal(1, page.Instance.Model.Spec.Schedule.TestBatchSize));
        page.WaitForAssertion(() => Assert.Empty(page.Instance.Model.Errors));

        GoTo(page, WizardStep.Review);
        var spec = page.Instance.Model.Spec;
        string href = page.Find("[data-testid=wizard-download]").GetAttribute("href")!;
        const string prefix = "data:application/json;charset=utf-8,";
        var downloaded = SpecJson.Parse<ExperimentSpec>(Uri.UnescapeDataString(href[prefix.Length..]), "downloaded spec");
        AssertSameSpec(spec, downloaded);
        Assert.Empty(ExperimentValidation.Validate(downloaded));

        page.Find("[data-testid=wizard-launch]").Click();
        var navigation = _wizard.Pages.Bunit.Services.GetRequiredService<NavigationManager>();
        page.WaitForAssertion(() => Assert.Matches(@"/experiments/\d+$", navigation.Uri), TimeSpan.FromSeconds(10));
        using var db = _wizard.Pages.NewDb();
        var stored = db.Experiments.AsNoTracking().Single();
        var read = SpecJson.Parse<ExperimentSpec>(stored.SpecJson, "stored spec");
        AssertSameSpec(spec, read);
        Assert.Equal(new LstmSpec(24, 2, 0.2) { InitRange = 0.1 }, read.Teacher);
        Assert.Equal(new TrainingSchedule
        {
            Epochs = 2, BatchSize = 20, LearningRate = 1, Momentum = 0, Nesterov = false, WeightDecay = 0,
            Schedule = LearningRateSchedule.Plateau, Gamma = 0.25, ClipGradNorm = 2.5, PlateauThreshold = 0.5, TestBatchSize = 1,
            Milestones = read.Schedule.Milestones,
        }, read.Schedule);
        Assert.Equal(ExperimentStatus.Queued, stored.Status);
        Assert.True(_wizard.Queue.Reader.TryRead(out int queued));
        Assert.Equal(stored.Id, queued);

        // Back to images: the teacher and schedule become an image model's again, so the spec stays valid.
        var again = _wizard.Render();
        ChooseDataset(again, TextDatasets.Ptb);
        ChooseDataset(again, "builtin");
        again.WaitForAssertion(() => Assert.IsNotType<LstmSpec>(again.Instance.Model.Spec.Teacher));
        Assert.Null(again.Instance.Model.Spec.Schedule.ClipGradNorm);
        Assert.Empty(again.Instance.Model.Errors);
    }
}
