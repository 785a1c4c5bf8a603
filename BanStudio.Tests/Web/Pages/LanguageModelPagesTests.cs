using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Language;
using BanStudio.Training.Models;
using BanStudio.Training.Training;
using BanStudio.Web.Features.Compare;
using BanStudio.Web.Features.Datasets;
using BanStudio.Web.Features.Runs;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace BanStudio.Tests.Web.Pages;

/// <summary>
/// The live page and the Compare table for language models, with the app's real broadcaster, recorder and SQLite
/// store; Plotly's JS module is bUnit's, which records the calls the charts make.
/// </summary>
public sealed class LanguageModelPagesTests() : LivePageTests(LanguageModelWebTests.TinyLanguageSpec, "lm-live")
{
    // Train, validation and test losses all differ, so a trace drawn from the wrong one shows.
    static EpochMetrics Epoch(int epoch) =>
        new(epoch, TrainLoss: 5.0 / epoch, TrainError: 0.7, TestLoss: 4.0 / epoch, TestError: 0.6, TestTop5Error: null,
            LearningRate: 1, Seconds: 2, ImagesPerSecond: 1234, ValidLoss: 4.5 / epoch);

    static PlotlyChart Chart(IRenderedComponent<ExperimentLive> page, string prefix) =>
        page.FindComponents<PlotlyChart>().Single(c => c.Instance.Id.StartsWith(prefix, StringComparison.Ordinal)).Instance;

    [Fact]
    public void The_live_page_plots_train_valid_and_test_perplexity_and_counts_words()
    {
        Happen(new StepStarted("lm-live", Step("seed-1/teacher"), 0, 4));
        Happen(new StepEpochCompleted("lm-live", Step("seed-1/teacher"), Epoch(1)));

        var page = Render();

        var chart = Chart(page, "error-");
        Assert.Equal("perplexity (train / valid / test)", chart.Layout.Title.Text);
        Assert.Equal("perplexity", page.Find("[data-testid=error-chart]").GetAttribute("data-metric"));
        var traces = chart.Data.Cast<Scatter>().ToList();
        // Three traces per trained model (2 seeds x teacher and BAN+L), test, train, valid.
        Assert.Equal(12, traces.Count);
        Assert.Equal(["Teacher s1 test", "Teacher s1 train", "Teacher s1 valid"], traces.Take(3).Select(t => t.Name));
        Assert.Equal([Math.Exp(4.0)], traces[0].Y.Cast<double>());
        Assert.Equal([Math.Exp(5.0)], traces[1].Y.Cast<double>());
        Assert.Equal([Math.Exp(4.5)], traces[2].Y.Cast<double>());
        Assert.Equal("loss (cross-entropy per word)", Chart(page, "loss-").Layout.Title.Text);

        // A live epoch extends the three perplexity traces of its model.
        _clock.Advance(ExperimentLive.RefreshInterval);
        Happen(new StepEpochCompleted("lm-live", Step("seed-1/teacher"), Epoch(2)));
        _clock.Advance(ExperimentLive.RefreshInterval);
        page.WaitForAssertion(() => Assert.Contains(_plotly.Invocations["extendTraces"], c => (string)c.Arguments[0]! == $"error-{_id}"));
        var extend = _plotly.Invocations["extendTraces"].Single(c => (string)c.Arguments[0]! == $"error-{_id}").Arguments;
        Assert.Equal([0, 1, 2], (IEnumerable<int>)extend[3]!);
        var ys = ((IEnumerable<IEnumerable<object>>)extend[2]!).Select(y => Convert.ToDouble(y.Single(), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([Math.Exp(2.0), Math.Exp(2.5), Math.Exp(2.25)], ys);
        page.WaitForAssertion(() => Assert.Contains("1,234 words/s", page.Find("[data-testid=throughput]").TextContent));
    }

    [Fact]
    public void Table_6_rows_show_the_papers_validation_and_test_perplexity_beside_ours()
    {
        var spec = new ExperimentSpec
        {
            Name = "ptb-paper", Dataset = new(TextDatasets.Ptb), Teacher = ModelPresets.PaperLstm, Generations = 0,
            Treatments = [Treatment.BanPlusLabel], Ensembles = false, GenerationObjective = "ban+l",
            Schedule = new() { Epochs = 40, BatchSize = 32, LearningRate = 1, Momentum = 0, Nesterov = false, WeightDecay = 0,
                               Schedule = LearningRateSchedule.Plateau, Gamma = 0.25, ClipGradNorm = 5 },
        };
        Run Result(string column, double valid, double test) => new()
        {
            Key = $"seed-1/{column}", Column = column, Model = "LSTM-1x1500", Objective = "label", Seed = 1, Status = RunStatus.Completed,
            FinalValidLoss = Math.Log(valid), FinalTestLoss = Math.Log(test), FinalTestError = 0.7, Parameters = 33_020_000,
        };
        var comparison = ComparisonBuilder.Build([new ComparedExperiment(1, "ptb-paper", SpecJson.Write(spec),
            [Result("Teacher", 80, 78), Result("BAN+L", 77, 75)])]);

        var row = Assert.Single(comparison.Rows);
        Assert.NotNull(row.Paper);
        Assert.Equal((75.11, "Table 6"), (row.Cell("Teacher")!.PaperValid!.Value, row.Cell("Teacher")!.PaperValid!.Table));
        Assert.Equal(68.56, row.Cell("BAN+L")!.Paper!.Value);
        Assert.Equal(77, row.Cell("BAN+L")!.Valid!.Mean, 9);
        Assert.True(row.Cell("BAN+L")!.Valid!.BestInRow);

        var table = _context.Bunit.Render<ComparisonTable>(p => p.Add(x => x.Comparison, comparison));
        string Cell(string column, string split) => table.Find($"[data-testid=\"table6-0-{column}-{split}\"]").TextContent;
        Assert.Contains("80.00", Cell("Teacher", "Val"));
        Assert.Contains("paper 75.11 (Table 6)", Cell("Teacher", "Val"));
        Assert.Contains("paper 71.87 (Table 6)", Cell("Teacher", "Test"));
        Assert.Contains("paper 68.56 (Table 6)", Cell("BAN+L", "Test"));
        Assert.Equal("33.02M", table.Find("[data-testid=table6-0-parameters]").TextContent.Trim());
        // One seed each: no p-value in BAN+L's two cells, the reason said once under the table.
        Assert.Equal("no p-value", table.Find("[data-testid=\"table6-0-BAN+L-Val\"] [data-testid=cell-no-p]").TextContent.Trim());
        Assert.Equal(["No p-value: n=1 vs n=1; a t-test needs at least 2 seeds on each side."],
            table.FindAll("[data-testid=compare-table6-no-p-notes] .mud-typography").Select(n => n.TextContent.Trim()));

        // The same network on a subset of PTB is not the paper's configuration.
        var subset = ComparisonBuilder.Build([new ComparedExperiment(2, "ptb-subset",
            SpecJson.Write(spec with { Dataset = new(TextDatasets.Ptb, TrainLimit: 10_000) }), [Result("Teacher", 80, 78)])]);
        Assert.Null(subset.Rows[0].Paper);
    }

    [Fact]
    public void The_compare_page_shows_a_language_model_experiment_as_Table_6_with_perplexity_curves()
    {
        using (var db = _context.NewDb())
        {
            foreach (var (step, i) in _plan.Steps.Select((s, i) => (s, i)))
            {
                var run = new Run
                {
                    ExperimentId = _id, StepIndex = i, Key = step.Key, Column = step.Column, Seed = step.Seed, Model = "LSTM-1x16",
                    Objective = "label", Status = RunStatus.Completed, Parameters = 1_234,
                    FinalValidLoss = 4.5 / 2 + step.Seed * 0.01 + i * 0.001, FinalTestLoss = 2 + step.Seed * 0.01, FinalTestError = 0.6,
                };
                run.EpochMetrics.AddRange(new[] { 1, 2 }.Select(e => new EpochMetric
                {
                    Epoch = e, TrainLoss = 5.0 / e, TestLoss = 4.0 / e, ValidLoss = 4.5 / e, TrainError = 0.7, TestError = 0.6, LearningRate = 1,
                }));
                db.Runs.Add(run);
            }
            db.SaveChanges();
        }
        _context.Bunit.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"/compare?ids={_id}");

        var page = _context.Bunit.Render<BanStudio.Web.Features.Compare.Compare>();

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=compare-table6]")));
        Assert.Empty(page.FindAll("[data-testid=compare-table]"));
        var headers = page.FindAll("[data-testid=compare-table6] thead th").Select(h => h.TextContent.Trim()).ToArray();
        Assert.Equal(["Network", "Parameters", "Teacher Val", "BAN+L Val", "Teacher Test", "BAN+L Test"], headers);
        // Teacher runs are steps 0 and 2: exp of their stored validation losses, averaged over the two seeds.
        double teacherVal = (Math.Exp(2.25 + 0.01) + Math.Exp(2.25 + 0.02 + 0.002)) / 2;
        Assert.StartsWith(teacherVal.ToString("0.00", CultureInfo.InvariantCulture) + " ± ",
            page.Find("[data-testid=\"table6-0-Teacher-Val\"] [data-testid=cell-value]").TextContent.Trim());
        Assert.Equal("1.2k", page.Find("[data-testid=table6-0-parameters]").TextContent.Trim());
        // Two seeds a side: every cell has its p-value, so no note under the table.
        Assert.NotEmpty(page.FindAll("[data-testid=compare-table6] [data-testid=cell-p]"));
        Assert.Empty(page.FindAll("[data-testid=compare-table6-no-p-notes]"));
    }

    [Fact]
    public void Curves_of_a_language_model_and_an_image_experiment_get_an_axis_each()
    {
        int imageId;
        using (var db = _context.NewDb())
        {
            var teacher = _plan.Steps.First(s => s.Column == ExperimentPlan.TeacherColumn);
            var lm = new Run
            {
                ExperimentId = _id, StepIndex = 0, Key = teacher.Key, Column = teacher.Column, Seed = teacher.Seed, Model = "LSTM-1x16",
                Objective = "label", Status = RunStatus.Completed, FinalValidLoss = 2.3, FinalTestLoss = 2.2, FinalTestError = 0.6,
            };
            lm.EpochMetrics.AddRange(new[] { 1, 2 }.Select(e => new EpochMetric
            {
                Epoch = e, TrainLoss = 5.0 / e, TestLoss = 4.0 / e, ValidLoss = 4.5 / e, TrainError = 0.7, TestError = 0.6, LearningRate = 1,
            }));
            db.Runs.Add(lm);
            var image = new Experiment
            {
                Name = "wrn", SpecJson = SpecJson.Write(BanStudio.Tests.Web.Compare.ComparisonData.WrnSpec("wrn", [1])),
                Status = ExperimentStatus.Completed, TotalSteps = 1,
            };
            var run = new Run
            {
                Key = "seed-1/teacher", Column = ExperimentPlan.TeacherColumn, Seed = 1, Model = "WRN-10-1", Objective = "label",
                Status = RunStatus.Completed, FinalTestError = 0.3,
            };
            run.EpochMetrics.AddRange(new[] { 1, 2 }.Select(e => new EpochMetric
            {
                Epoch = e, TrainLoss = 1.0 / e, TestLoss = 1.0 / e, TrainError = 0.4, TestError = 0.3, LearningRate = 0.05,
            }));
            image.Runs.Add(run);
            db.Experiments.Add(image);
            db.SaveChanges();
            imageId = image.Id;
        }
        _context.Bunit.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"/compare?ids={_id},{imageId}");

        var page = _context.Bunit.Render<BanStudio.Web.Features.Compare.Compare>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindComponent<CurvesChart>().Instance.Series.Count));
        var chart = page.FindComponents<PlotlyChart>().Single(c => c.Instance.Data.OfType<Scatter>().Any(t => t.Name?.Contains("row 2") == true)).Instance;
        var titles = chart.Layout.YAxis.Select(a => a.Title.Text).ToList();
        Assert.Equal(2, titles.Count);
        Assert.Contains("perplexity", titles[0]);
        Assert.Contains("error", titles[1]);
        var lines = chart.Data.OfType<Scatter>().Where(t => t.Name?.EndsWith(")", StringComparison.Ordinal) == true).ToList();
        Assert.Null(lines.Single(t => t.Name!.Contains("row 1")).YAxis);
        Assert.Equal("y2", lines.Single(t => t.Name!.Contains("row 2")).YAxis);
    }

    [Fact]
    public void The_datasets_page_lists_the_text_corpora_with_their_status()
    {
        var page = _context.Bunit.Render<BanStudio.Web.Features.Datasets.Datasets>();

        var kinds = page.FindAll("[data-testid=datasets-table] tbody tr").Select(r => r.QuerySelector("code")!.TextContent.Trim()).ToList();
        Assert.Equal(["builtin-text", "ptb"], kinds[^2..]);
        Assert.Equal("available", page.Find("[data-testid=datasets-builtin-text-status]").TextContent.Trim());
        var ptb = TextDatasetEntries.List(BanStudio.Training.Data.DatasetCatalog.Default)[1];
        Assert.Equal(ptb.IsAvailable ? "available" : "missing", page.Find("[data-testid=datasets-ptb-status]").TextContent.Trim());
        // A downloadable dataset that is missing says how to fetch it (the page itself downloads nothing).
        bool cifar = page.Find("[data-testid=datasets-cifar10-status]").TextContent.Trim() == "available";
        string download = page.Find("[data-testid=datasets-cifar10-download]").TextContent;
        if (cifar) Assert.Equal("installed", download.Trim());
        else Assert.Contains("datasets --download cifar10", download);
        Assert.Equal("no", page.Find("[data-testid=datasets-ptb-download]").TextContent.Trim());
    }
}
