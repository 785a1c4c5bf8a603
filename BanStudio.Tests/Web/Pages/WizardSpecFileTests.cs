using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;
using BanStudio.Web.Features.Experiments;
using BanStudio.Web.Features.Experiments.Wizard;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using static BanStudio.Tests.Web.Pages.WizardContext;

namespace BanStudio.Tests.Web.Pages;

/// <summary>Spec files in and out of the wizard: upload pre-fills every step, a bad file changes nothing, download reads back equal.</summary>
[Collection(TorchCollection.Name)]
public sealed class WizardSpecFileTests : IAsyncDisposable
{
    readonly WizardContext _wizard = new();

    public ValueTask DisposeAsync() => _wizard.DisposeAsync();

    /// <summary>Differs from the wizard's defaults in every step.</summary>
    internal const string CrossArchitectureSpec = """
        {
          // a DenseNet teacher with BAN-ResNet students, as in Table 5
          "name": "table5-tiny",
          "dataset": { "kind": "builtin", "trainSize": 400, "testSize": 200, "seed": 7, "trainLimit": 300 },
          "teacher": { "family": "densenet", "depth": 22, "growth": 12 },
          "student": { "family": "banresnet", "teacher": { "depth": 22, "growth": 12 }, "block": "wide", "unitsPerBlock": 1, "widthRatio": 1, "dropRate": 0.3 },
          "generations": 3,
          "treatments": ["ban+l", "dkpp"],
          "ensembles": true,
          "ensembleIncludesTeacher": true,
          "temperature": 2,
          "schedule": { "epochs": 7, "batchSize": 32, "learningRate": 0.02, "schedule": "multi-step", "milestones": [0.5, 0.75],
                        "gamma": 0.1, "momentum": 0.8, "nesterov": false, "weightDecay": 0.0001 },
          "seeds": [4, 5],
          "device": "cpu",
        }
        """;

    const string Teacher = "\"teacher\": { \"family\": \"densenet\", \"depth\": 22, \"growth\": 12 }";

    static string WithTeacher(string members)
    {
        Assert.Contains(Teacher, CrossArchitectureSpec);
        return CrossArchitectureSpec.Replace(Teacher, $"\"teacher\": {{ \"family\": \"densenet\", {members} }}");
    }

    [Fact]
    public void An_uploaded_spec_fills_every_step()
    {
        var page = _wizard.Render();
        var expected = SpecJson.Parse<ExperimentSpec>(CrossArchitectureSpec, "experiment spec");

        Upload(page, CrossArchitectureSpec);

        page.WaitForAssertion(() => Assert.Equal("table5-tiny", page.Instance.Model.Spec.Name));
        AssertSameSpec(expected, page.Instance.Model.Spec);
        Assert.Empty(page.FindAll("[data-testid=wizard-upload-errors]"));
        // What the inputs show, step by step.
        Assert.Equal("400", Input(page, "dataset-trainSize").GetAttribute("value"));
        Assert.Equal("300", Input(page, "dataset-trainLimit").GetAttribute("value"));
        GoTo(page, WizardStep.Teacher);
        Assert.Equal("22", Input(page, "teacher-depth").GetAttribute("value"));
        Assert.Equal("12", Input(page, "teacher-growth").GetAttribute("value"));
        GoTo(page, WizardStep.Students);
        Assert.Equal("1", Input(page, "student-unitsPerBlock").GetAttribute("value"));
        Assert.Equal("3", Input(page, "students-generations").GetAttribute("value"));
        Assert.Equal("2", Input(page, "students-temperature").GetAttribute("value"));
        Assert.Equal("banresnet", page.Instance.Model.Spec.Student is BanResNetSpec ? "banresnet" : "other");
        Assert.Contains("BAN-Wide-ResNet-1-1/DenseNet-BC-22-12", page.Find("[data-testid=student-parameters]").TextContent);
        GoTo(page, WizardStep.Schedule);
        Assert.Equal("0.5, 0.75", Input(page, "schedule-milestones").GetAttribute("value"));
        Assert.Equal("4, 5", Input(page, "schedule-seeds").GetAttribute("value"));
        Assert.Equal("7", Input(page, "schedule-epochs").GetAttribute("value"));
    }

    [Fact]
    public void A_file_that_is_not_a_spec_is_refused_with_the_field_named_and_changes_nothing()
    {
        var page = _wizard.Render();
        var before = page.Instance.Model.Spec;

        // A misspelt field must not silently train a default.
        Upload(page, WithTeacher("\"depth\": 22, \"growht\": 12"), "typo.json");

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=wizard-upload-errors]")));
        string shown = page.Find("[data-testid=wizard-upload-errors]").TextContent;
        Assert.Contains("typo.json", shown);
        Assert.Contains("teacher.growht", shown);
        Assert.Same(before, page.Instance.Model.Spec);

        // An unknown family names the field and the families there are.
        Upload(page, CrossArchitectureSpec.Replace("\"family\": \"densenet\"", "\"family\": \"resnext\""), "family.json");
        page.WaitForAssertion(() => Assert.Contains("family.json", page.Find("[data-testid=wizard-upload-errors]").TextContent));
        shown = page.Find("[data-testid=wizard-upload-errors]").TextContent;
        Assert.Contains("teacher", shown);
        // Every family the JSON knows, the language models' included.
        Assert.Contains(string.Join(", ", BanStudio.Training.Models.ModelSpecJson.Families), shown);
        Assert.Same(before, page.Instance.Model.Spec);

        // Not JSON at all.
        Upload(page, "name: not json", "notes.txt");
        page.WaitForAssertion(() => Assert.Contains("notes.txt", page.Find("[data-testid=wizard-upload-errors]").TextContent));
        Assert.Same(before, page.Instance.Model.Spec);
    }

    [Fact]
    public void A_spec_that_parses_but_breaks_a_rule_is_loaded_with_the_rule_shown_at_its_field()
    {
        var page = _wizard.Render();

        Upload(page, WithTeacher("\"depth\": 90, \"growth\": 12"));

        page.WaitForAssertion(() => Assert.Equal(90, ((DenseNetSpec)page.Instance.Model.Spec.Teacher).Depth));
        GoTo(page, WizardStep.Teacher);
        Assert.Contains("nearest valid depths are 88 and 94", ErrorText(page, "teacher-depth"));
        Assert.True(page.Find("[data-testid=wizard-next]").HasAttribute("disabled"));
    }

    [Fact]
    public void Download_gives_the_spec_in_the_clis_dialect_which_reads_back_equal()
    {
        var page = _wizard.Render();
        Upload(page, CrossArchitectureSpec);
        page.WaitForAssertion(() => Assert.Equal("table5-tiny", page.Instance.Model.Spec.Name));
        GoTo(page, WizardStep.Review);

        var link = page.Find("[data-testid=wizard-download]");
        Assert.Equal("table5-tiny.json", link.GetAttribute("download"));
        string href = link.GetAttribute("href")!;
        const string prefix = "data:application/json;charset=utf-8,";
        Assert.StartsWith(prefix, href);
        string json = Uri.UnescapeDataString(href[prefix.Length..]);

        var read = SpecJson.Parse<ExperimentSpec>(json, "experiment spec");
        AssertSameSpec(page.Instance.Model.Spec, read);
        Assert.Equal(SpecJson.Write(page.Instance.Model.Spec), json);
        Assert.Empty(ExperimentValidation.Validate(read));
    }
    [Fact]
    public async Task Edit_as_new_opens_a_stored_experiment_in_every_step_under_a_new_name_and_launches_a_second_one()
    {
        var stored = SpecJson.Parse<ExperimentSpec>(CrossArchitectureSpec, "experiment spec");
        // Submitted as the API and the wizard's Launch do, with the page's own store, queue and options.
        var first = await ActivatorUtilities.CreateInstance<ExperimentSubmitter>(_wizard.Pages.Bunit.Services).SubmitAsync(stored, CancellationToken.None);
        int id = Assert.IsType<int>(first.Id);

        _wizard.Pages.Bunit.Services.GetRequiredService<NavigationManager>().NavigateTo($"/experiments/new?from={id}");
        var page = _wizard.Render();

        page.WaitForAssertion(() => Assert.Equal("table5-tiny-2", page.Instance.Model.Spec.Name));
        AssertSameSpec(stored with { Name = "table5-tiny-2" }, page.Instance.Model.Spec);
        Assert.Contains($"Started from experiment #{id}, table5-tiny", page.Find("[data-testid=wizard-from]").TextContent);
        Assert.Equal("400", Input(page, "dataset-trainSize").GetAttribute("value"));
        GoTo(page, WizardStep.Review);
        page.Find("[data-testid=wizard-launch]").Click();

        // A second experiment with the same design; the first is unchanged.
        await using var db = _wizard.Pages.NewDb();
        page.WaitForAssertion(() => Assert.Equal(2, db.Experiments.Count()), TimeSpan.FromSeconds(10));
        var rows = db.Experiments.OrderBy(e => e.Id).ToList();
        Assert.Equal(("table5-tiny", "table5-tiny-2"), (rows[0].Name, rows[1].Name));
        AssertSameSpec(stored, SpecJson.Parse<ExperimentSpec>(rows[0].SpecJson, "stored spec"));
        AssertSameSpec(stored with { Name = "table5-tiny-2" }, SpecJson.Parse<ExperimentSpec>(rows[1].SpecJson, "stored spec"));
    }

    [Fact]
    public void The_templates_are_the_shipped_experiment_specs_embedded_as_they_are_on_disk()
    {
        string folder = Path.Combine(BanStudio.Tests.Language.Repository.Root, "wwwroot-assets", "specs");
        var experiments = Directory.GetFiles(folder, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .Where(f => !f!.StartsWith("train-", StringComparison.Ordinal)).ToList();
        Assert.Equal(experiments, SpecTemplates.All.Select(t => t.File));
        foreach (var template in SpecTemplates.All)
            AssertSameSpec(SpecJson.Parse<ExperimentSpec>(File.ReadAllText(Path.Combine(folder, template.File)), template.File), template.Spec);
        var demo = SpecTemplates.Find("demo-builtin")!;
        Assert.StartsWith("A two-minute CPU demo on the built-in dataset", demo.Description);
        Assert.DoesNotContain("//", demo.Description);
        Assert.True(SpecTemplates.All.All(t => t.Summary.Length is > 0 and <= 160), "every template has a short summary");
        Assert.Null(SpecTemplates.Find("train-tiny-builtin")); // a model spec for the train verb, not an experiment
    }

    [Fact]
    public void A_template_in_the_url_fills_every_step_and_says_where_it_came_from()
    {
        _wizard.Pages.Bunit.Services.GetRequiredService<NavigationManager>().NavigateTo("/experiments/new?template=paper-cifar100-table5-wrn-4-0.5");
        var page = _wizard.Render();
        page.WaitForAssertion(() => Assert.Equal("paper-cifar100-table5-wrn-4-0.5", page.Instance.Model.Spec.Name));
        AssertSameSpec(SpecTemplates.Find("paper-cifar100-table5-wrn-4-0.5")!.Spec, page.Instance.Model.Spec);
        Assert.Contains("Started from the template paper-cifar100-table5-wrn-4-0.5", page.Find("[data-testid=wizard-template-note]").TextContent);
        Assert.Contains("Table 5's BAN-Wide-ResNet-4-0.5 row", page.Find("[data-testid=wizard-template-note]").TextContent);

        // An upload replaces the design, and with it the note.
        Upload(page, CrossArchitectureSpec);
        page.WaitForAssertion(() => Assert.Equal("table5-tiny", page.Instance.Model.Spec.Name));
        Assert.Empty(page.FindAll("[data-testid=wizard-template-note]"));
    }

    [Fact]
    public void An_unknown_template_says_so_lists_the_known_ones_and_keeps_the_defaults()
    {
        _wizard.Pages.Bunit.Services.GetRequiredService<NavigationManager>().NavigateTo("/experiments/new?template=table-7");
        var page = _wizard.Render();
        page.WaitForAssertion(() => Assert.Contains("There is no template \"table-7\"", page.Find("[data-testid=wizard-from-problem]").TextContent));
        Assert.Contains("demo-builtin", page.Find("[data-testid=wizard-from-problem]").TextContent);
        AssertSameSpec(WizardModel.DefaultSpec, page.Instance.Model.Spec);
    }

    [Fact]
    public void Edit_as_new_of_an_experiment_that_is_not_there_says_so_and_starts_from_the_defaults()
    {
        _wizard.Pages.Bunit.Services.GetRequiredService<NavigationManager>().NavigateTo("/experiments/new?from=41");
        var page = _wizard.Render();
        page.WaitForAssertion(() => Assert.Contains("There is no experiment #41", page.Find("[data-testid=wizard-from-problem]").TextContent));
        AssertSameSpec(WizardModel.DefaultSpec, page.Instance.Model.Spec);
        Assert.Empty(page.FindAll("[data-testid=wizard-from]"));
    }

    [Theory]
    [InlineData("table5", "table5-2")]
    [InlineData("table5-2", "table5-3")]
    [InlineData("table5-99", "table5-100")]
    [InlineData("fm-2026", "fm-2026-2")]
    [InlineData("run -", "run --2")]
    public void A_copy_is_named_with_the_next_number(string name, string copy) => Assert.Equal(copy, NewExperiment.NameOfCopy(name));

    [Fact]
    public void A_copy_of_a_name_of_100_characters_keeps_to_100()
    {
        string copy = NewExperiment.NameOfCopy(new string('a', 100));
        Assert.Equal(new string('a', 98) + "-2", copy);
        Assert.DoesNotContain(ExperimentValidation.Validate(WizardModel.DefaultSpec with { Name = copy }), e => e.Field == "name");
    }
}
