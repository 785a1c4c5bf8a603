using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Web.Features.Experiments.Wizard;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static BanStudio.Tests.Web.Pages.WizardContext;

namespace BanStudio.Tests.Web.Pages;

/// <summary>The review step: the plan in order with its estimated time, and Launch into the real SQLite store and queue.</summary>
[Collection(TorchCollection.Name)]
public sealed class WizardReviewTests : IAsyncDisposable
{
    readonly WizardContext _wizard = new();

    public ValueTask DisposeAsync() => _wizard.DisposeAsync();

    const string Tiny = """
        {
          "name": "tiny-wrn",
          "dataset": { "kind": "builtin", "trainSize": 300, "testSize": 100 },
          "teacher": { "family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0 },
          "generations": 1,
          "ensembles": false,
          "schedule": { "epochs": 2, "batchSize": 50, "learningRate": 0.05 },
          "seeds": [1]
        }
        """;

    static IRenderedComponent<NewExperiment> OpenReview(WizardContext wizard, string json)
    {
        var page = wizard.Render();
        Upload(page, json);
        page.WaitForAssertion(() => Assert.Equal(SpecJson.Parse<ExperimentSpec>(json, "spec").Name, page.Instance.Model.Spec.Name));
        GoTo(page, WizardStep.Review);
        return page;
    }

    static List<string[]> PlanRows(IRenderedComponent<NewExperiment> page) =>
        page.FindAll("[data-testid=review-plan] tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();

    [Fact]
    public void The_review_lists_the_plan_steps_in_plan_order_with_a_labelled_rough_estimate()
    {
        var page = OpenReview(_wizard, WizardSpecFileTests.CrossArchitectureSpec);
        var plan = ExperimentPlan.Create(page.Instance.Model.Spec);

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=review-total]")), TimeSpan.FromSeconds(10));
        var keys = page.FindAll("[data-testid=review-plan-key]").Select(k => k.TextContent.Trim()).ToList();
        // Two seeds x (teacher, BAN-1..3, BAN+L, DKPP, Ens*2..4 with the teacher counted): the plan's own order.
        Assert.Equal(plan.Steps.Select(s => s.Key), keys);
        Assert.Equal(18, keys.Count);
        Assert.Equal(["seed-4/teacher", "seed-4/ban-1", "seed-4/ban-2", "seed-4/ban-3"], keys[..4]);
        var rows = PlanRows(page);
        Assert.Equal(["1", "seed-4/teacher", "Teacher", "DenseNet-BC-22-12", "label", "labels"], rows[0][..6]);
        Assert.Equal("BAN-Wide-ResNet-1-1/DenseNet-BC-22-12", rows[1][3]);
        Assert.Equal("teacher", rows[1][5]);
        // An ensemble learns from nothing: it averages its members.
        Assert.Equal(["—", "its members' predictions"], rows.First(r => r[2] == "Ens*2")[4..6]);
        // No model here has trained before: every time is the labelled guess.
        Assert.Contains("rough estimate", page.Find("[data-testid=review-total]").TextContent);
        Assert.All(rows.Where(r => r[2] is not ("Ens*2" or "Ens*3" or "Ens*4")), r => Assert.EndsWith("(rough)", r[7]));
    }

    [Fact]
    public void Ticking_the_baseline_adds_a_label_trained_student_that_keeps_only_the_teachers_frozen_layers()
    {
        var page = _wizard.Render();
        Upload(page, WizardSpecFileTests.CrossArchitectureSpec);
        page.WaitForAssertion(() => Assert.Equal("table5-tiny", page.Instance.Model.Spec.Name));
        GoTo(page, WizardStep.Students);
        page.Find("input[data-testid=students-treatment-baseline]").Change(true);
        page.WaitForAssertion(() => Assert.Equal([Treatment.BanPlusLabel, Treatment.Dkpp, Treatment.Baseline], page.Instance.Model.Spec.Treatments));
        Assert.Contains("\"baseline\"", SpecJson.Write(page.Instance.Model.Spec));

        GoTo(page, WizardStep.Review);
        page.WaitForAssertion(() => Assert.Contains(PlanRows(page), r => r[1] == "seed-4/baseline"), TimeSpan.FromSeconds(10));
        var rows = PlanRows(page);
        var baseline = rows.Single(r => r[1] == "seed-4/baseline");
        Assert.Equal(["Baseline", "BAN-Wide-ResNet-1-1/DenseNet-BC-22-12", "label", "labels (conv1 and fc-output of teacher)"], baseline[2..6]);
        Assert.Equal("teacher", rows.Single(r => r[1] == "seed-4/dkpp")[5]);
        Assert.Equal("labels", rows.Single(r => r[1] == "seed-4/teacher")[5]);

        // Trained from labels, it runs no teacher forward: its rough time is below its BAN twin's.
        var plan = ExperimentPlan.Create(page.Instance.Model.Spec);
        var estimate = PlanEstimator.Estimate(plan, new Dictionary<string, Throughput>(), _ => 1_000_000);
        double Seconds(string key) => estimate.Steps.Single(s => s.Step.Key == key).Seconds!.Value;
        Assert.True(Seconds("seed-4/baseline") < Seconds("seed-4/ban-1"), $"{Seconds("seed-4/baseline")} vs {Seconds("seed-4/ban-1")}");
        // The log line (live page and CLI) says the same.
        string Log(string key) => StepText.Describe(plan.Steps.Single(s => s.Key == key));
        Assert.Equal("BAN-Wide-ResNet-1-1/DenseNet-BC-22-12, label (conv1 and fc-output of seed-4/teacher)", Log("seed-4/baseline"));
        Assert.EndsWith(", dkpp from seed-4/teacher", Log("seed-4/dkpp"));
    }

    [Fact]
    public void A_shared_start_gives_ban_1_and_the_treatments_one_model_seed_and_a_twin_of_ban_1_is_refused()
    {
        var page = _wizard.Render();
        Upload(page, Tiny);
        page.WaitForAssertion(() => Assert.Equal("tiny-wrn", page.Instance.Model.Spec.Name));
        GoTo(page, WizardStep.Students);
        // BAN-1 alone: nothing to share with, so the switch is off and disabled, and its help says what it needs.
        var toggle = page.Find("input[data-testid=students-sharedStart]");
        Assert.True(toggle.HasAttribute("disabled"));
        Assert.Contains("Needs BAN-1 and a treatment", page.Find("[data-testid=students-sharedStart-help]").TextContent);

        page.Find("input[data-testid=students-treatment-baseline]").Change(true);
        page.Find("input[data-testid=students-treatment-cwtm]").Change(true);
        page.WaitForAssertion(() => Assert.False(page.Find("input[data-testid=students-sharedStart]").HasAttribute("disabled")));
        page.Find("input[data-testid=students-sharedStart]").Change(true);
        page.WaitForAssertion(() => Assert.True(page.Instance.Model.Spec.SharedStart));
        Assert.Contains("born-again, k = 1, shared start", page.Find(".mud-stepper-nav").TextContent);
        Assert.Contains("\"sharedStart\": true", SpecJson.Write(page.Instance.Model.Spec));

        GoTo(page, WizardStep.Review);
        page.WaitForAssertion(() => Assert.Equal(4, PlanRows(page).Count), TimeSpan.FromSeconds(10));
        // Teacher 1000, then BAN-1, CWTM and Baseline all 1001 (without the switch: 1001, 1002, 1003).
        Assert.Equal([("seed-1/teacher", "1000"), ("seed-1/ban-1", "1001"), ("seed-1/cwtm", "1001"), ("seed-1/baseline", "1001")],
            PlanRows(page).Select(r => (r[1], r[6])));

        // A "ban" treatment beside BAN-1 (generations learn with "ban" on images) would be BAN-1 again.
        page.Find("[data-testid=wizard-previous]").Click();
        page.WaitForAssertion(() => Assert.Equal(WizardStep.Schedule, ActiveStep(page)), TimeSpan.FromSeconds(10));
        page.Find("[data-testid=wizard-previous]").Click();
        page.WaitForAssertion(() => Assert.Equal(WizardStep.Students, ActiveStep(page)), TimeSpan.FromSeconds(10));
        page.Find("input[data-testid=students-treatment-ban]").Change(true);
        page.WaitForAssertion(() => Assert.Contains("would train BAN-1 again", page.Find("[data-testid=students-sharedStart-error]").TextContent));
        Assert.Contains(page.Instance.Model.Errors, e => e.Field == "sharedStart");
        page.Find("input[data-testid=students-sharedStart]").Change(false);
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=students-sharedStart-error]")));
        Assert.Equal([1001L, 1002, 1003, 1004], ExperimentPlan.Create(page.Instance.Model.Spec).Steps.Skip(1).Select(s => s.ModelSeed));
    }

    [Fact]
    public void Earlier_epochs_of_the_same_model_give_a_measured_estimate()
    {
        using (var db = _wizard.Pages.NewDb())
        {
            var run = new Run { Key = "seed-1/teacher", Column = "Teacher", Model = "WRN-10-1", Objective = "label", Status = RunStatus.Completed };
            // Median 100 images/s; the outlier must not drag it.
            run.EpochMetrics.AddRange(new[] { 90.0, 100, 110, 1000 }.Select((r, i) => new EpochMetric { Epoch = i + 1, ImagesPerSecond = r, Seconds = 1 }));
            run.EpochMetrics.Add(new EpochMetric { Epoch = 5, ImagesPerSecond = 105, Seconds = 1 });
            db.Experiments.Add(new Experiment { Name = "earlier", SpecJson = "{}", Status = ExperimentStatus.Completed, Runs = [run] });
            // Another model's speed must not be used for this one.
            var other = new Run { Key = "seed-1/teacher", Column = "Teacher", Model = "WRN-16-4", Objective = "label", Status = RunStatus.Completed };
            other.EpochMetrics.Add(new EpochMetric { Epoch = 1, ImagesPerSecond = 1 });
            db.Experiments.Add(new Experiment { Name = "other", SpecJson = "{}", Status = ExperimentStatus.Completed, Runs = [other] });
            db.SaveChanges();
        }

        var page = OpenReview(_wizard, Tiny);

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=review-total]")), TimeSpan.FromSeconds(10));
        var rows = PlanRows(page);
        Assert.Equal(["seed-1/teacher", "seed-1/ban-1"], rows.Select(r => r[1]));
        // 2 epochs x 300 images at the median 105 images/s: 5.7 s each, 11.4 s in all.
        Assert.All(rows, r => Assert.Equal("6 s", r[7]));
        Assert.Equal("about 11 s", page.Find("[data-testid=review-total]").TextContent.Trim());
    }

    [Fact]
    public void Launch_stores_the_experiment_in_sqlite_queues_it_and_opens_its_page()
    {
        var page = OpenReview(_wizard, Tiny);
        var spec = page.Instance.Model.Spec;

        page.Find("[data-testid=wizard-launch]").Click();

        var navigation = _wizard.Pages.Bunit.Services.GetRequiredService<NavigationManager>();
        page.WaitForAssertion(() => Assert.Matches(@"/experiments/\d+$", navigation.Uri), TimeSpan.FromSeconds(10));
        int id = int.Parse(navigation.Uri.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        using var db = _wizard.Pages.NewDb();
        var stored = db.Experiments.AsNoTracking().Single();
        Assert.Equal(id, stored.Id);
        Assert.Equal("tiny-wrn", stored.Name);
        Assert.Equal(ExperimentStatus.Queued, stored.Status);
        Assert.Equal(SpecJson.Write(spec), stored.SpecJson);
        Assert.Equal(2, stored.TotalSteps);
        var options = _wizard.Pages.Bunit.Services.GetRequiredService<IOptions<StudioOptions>>().Value;
        Assert.Equal(options.ExperimentFolder(id), stored.Folder);
        Assert.True(_wizard.Queue.Reader.TryRead(out int queued));
        Assert.Equal(id, queued);
        AssertSameSpec(spec, SpecJson.Parse<ExperimentSpec>(stored.SpecJson, "stored spec"));
    }

    [Fact]
    public void A_dataset_missing_here_blocks_launch_only_the_design_is_reviewed_planned_and_downloadable()
    {
        using var data = new BanStudio.Tests.Data.TempFolder();
        string json = Tiny.Replace("""{ "kind": "builtin", "trainSize": 300, "testSize": 100 }""",
            $$"""{ "kind": "cifar10", "path": {{System.Text.Json.JsonSerializer.Serialize(data.Path)}} }""");
        var page = _wizard.Render();
        Upload(page, json);
        page.WaitForAssertion(() => Assert.Equal("cifar10", page.Instance.Model.Spec.Dataset.Kind));

        // The dataset step says what is missing and where, yet lets the user go on.
        Assert.Contains("holds no CIFAR-10 files", ErrorText(page, "dataset-path"));
        Assert.Contains("not on this machine", page.Find("[data-testid=dataset-missing]").TextContent);
        Assert.False(page.Find("[data-testid=wizard-next]").HasAttribute("disabled"));
        GoTo(page, WizardStep.Review);

        // The review names it, shows the plan and the download, and Launch stays off.
        string errors = page.Find("[data-testid=review-errors]").TextContent;
        Assert.Contains("dataset.path", errors);
        Assert.Contains("holds no CIFAR-10 files", errors);
        Assert.Contains("run tiny-wrn.json", page.Find("[data-testid=review-missing-data]").TextContent);
        page.WaitForAssertion(() => Assert.Equal(["seed-1/teacher", "seed-1/ban-1"],
            page.FindAll("[data-testid=review-plan-key]").Select(k => k.TextContent.Trim())));
        Assert.True(page.Find("[data-testid=wizard-launch]").HasAttribute("disabled"));
        string href = page.Find("[data-testid=wizard-download]").GetAttribute("href")!;
        Assert.Contains("cifar10", Uri.UnescapeDataString(href));
        page.Find("[data-testid=wizard-launch]").Click();
        using (var db = _wizard.Pages.NewDb()) Assert.Empty(db.Experiments);

        // Once the files are there the next edit finds them, and Launch opens.
        BanStudio.Tests.Data.OfficialFormats.WriteCifar10Binary(data.Path);
        Type(page, "review-name", "tiny-cifar");
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=wizard-launch]").HasAttribute("disabled")));
        Assert.Empty(page.FindAll("[data-testid=review-errors]"));
        Assert.Empty(page.Instance.Model.MissingData);
    }

    [Fact]
    public void Launch_is_blocked_while_the_spec_has_an_error_and_the_review_names_it()
    {
        var page = OpenReview(_wizard, Tiny);
        Assert.False(page.Find("[data-testid=wizard-launch]").HasAttribute("disabled"));

        Type(page, "review-name", "");

        page.WaitForAssertion(() => Assert.True(page.Find("[data-testid=wizard-launch]").HasAttribute("disabled")));
        Assert.Contains("give the experiment a name", ErrorText(page, "review-name"));
        Assert.Contains("name", page.Find("[data-testid=review-errors]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=review-plan]"));
        using var db = _wizard.Pages.NewDb();
        Assert.Empty(db.Experiments);
        Assert.False(_wizard.Queue.Reader.TryRead(out _));
    }
}
