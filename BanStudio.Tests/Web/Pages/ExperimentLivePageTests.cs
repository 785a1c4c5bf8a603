using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Features.Runs;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using BanStudio.Web.Infrastructure.Queue;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace BanStudio.Tests.Web.Pages;

/// <summary>The live experiment page of an image experiment: traces, appends, the point cap, progress, controls.</summary>
public sealed class ExperimentLivePageTests() : LivePageTests(StudioHost.TinySpec("live", generations: 2, epochs: 8), "live")
{
    static EpochMetrics Epoch(int epoch) => new(epoch, 2.0 / epoch, 0.5, 2.2 / epoch, 0.6, null, 0.05, 1, 500);

    IReadOnlyList<JSRuntimeInvocation> Calls(string identifier) => _plotly.Invocations[identifier];

    static Scatter Trace(IRenderedComponent<ExperimentLive> page, string chart, int index) =>
        (Scatter)page.FindComponents<PlotlyChart>().Single(c => c.Instance.Id.StartsWith(chart, StringComparison.Ordinal)).Instance.Data[index];

    /// <summary>Sets the experiment's stored status (and folder), as the queue or another process would.</summary>
    void Store(ExperimentStatus status, string? folder = null)
    {
        using var db = _context.NewDb();
        var experiment = db.Experiments.Single(e => e.Id == _id);
        experiment.Status = status;
        if (folder is not null) experiment.Folder = folder;
        db.SaveChanges();
    }

    static int[] Xs(Scatter trace) => trace.X.Select(Convert.ToInt32).ToArray();

    [Fact]
    public void Every_trained_model_gets_its_traces_in_plan_order_with_the_epochs_already_stored()
    {
        Happen(new StepStarted("live", Step("seed-1/teacher"), 0, 4));
        Happen(new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(1)));
        Happen(new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(2)));

        var page = Render();

        var loss = page.FindComponents<PlotlyChart>().Single(c => c.Instance.Id == $"loss-{_id}").Instance.Data.Cast<Scatter>().ToList();
        // The students' train curves are their born-again objective, not label cross-entropy, and are named so.
        Assert.Equal(["Teacher test", "Teacher train", "BAN-1 test", "BAN-1 train objective", "BAN-2 test", "BAN-2 train objective"], loss.Select(t => t.Name));
        Assert.Equal(["seed-1/teacher:test", "seed-1/teacher:train", "seed-1/ban-1:test", "seed-1/ban-1:train", "seed-1/ban-2:test", "seed-1/ban-2:train"],
            loss.Select(t => t.UId));
        Assert.Equal([1, 2], Xs(loss[0]));
        Assert.Equal([2.0, 1.0], loss[1].Y.Cast<double>()); // train loss 2/epoch
        Assert.Empty(loss[2].X);
        var rate = page.FindComponents<PlotlyChart>().Single(c => c.Instance.Id == $"lr-{_id}").Instance.Data.Cast<Scatter>();
        Assert.Equal(["Teacher", "BAN-1", "BAN-2"], rate.Select(t => t.Name));
        // Errors are shown in percent.
        Assert.Equal([60.0, 60.0], Trace(page, "error", 0).Y.Cast<double>());
        Assert.Empty(Calls("extendTraces"));
        Assert.Equal("0/4 steps", page.Find("[data-testid=plan-progress-text]").TextContent);
        // Every step of the plan is listed, the ones not started yet too.
        Assert.Equal(["seed-1/teacher", "seed-1/ban-1", "seed-1/ban-2", "seed-1/ens-2"], page.FindAll("[data-testid=run-key]").Select(c => c.TextContent.Trim()));
        Assert.Equal(["running", "not started", "not started", "not started"], page.FindAll("[data-testid=run-status]").Select(c => c.TextContent.Trim()));
        // Its Compare view, its two exports, its spec and a copy of it in the wizard are one click away.
        Assert.Equal([$"/compare?ids={_id}", $"/api/experiments/{_id}/results.csv", $"/api/experiments/{_id}/metrics.csv",
                      $"/api/experiments/{_id}/spec.json", $"/experiments/new?from={_id}"],
            page.FindAll("[data-testid=experiment-links] a").Select(a => a.GetAttribute("href")));
    }

    [Fact]
    public void Broadcast_epochs_are_appended_with_extend_traces_in_throttled_batches_without_redrawing_the_charts()
    {
        var page = Render();
        _clock.Advance(ExperimentLive.RefreshInterval); // a quiet spell after the charts were drawn
        int rendersBefore = page.Instance.Renders;

        Happen(new StepStarted("live", Step("seed-1/teacher"), 0, 4)); // so this one refreshes at once
        page.WaitForAssertion(() => Assert.Equal("seed-1/teacher", CurrentKey(page)));
        for (int e = 1; e <= 3; e++) Happen(new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(e)));
        Happen(new StepFinished("live", Step("seed-1/teacher"), Result("seed-1/teacher", TrainingStatus.Completed, null), Reused: false));
        Happen(new StepStarted("live", Step("seed-1/ban-1"), 1, 4));
        for (int e = 1; e <= 2; e++) Happen(new StepEpochCompleted("live", Step("seed-1/ban-1"), Epoch(e)));
        // Seven events within the interval: nothing drawn yet.
        Assert.Empty(Calls("extendTraces"));

        _clock.Advance(ExperimentLive.RefreshInterval);

        page.WaitForAssertion(() =>
        {
            Assert.Equal(3, Calls("extendTraces").Count); // one call per chart for all seven
            Assert.Equal("seed-1/ban-1", CurrentKey(page));
        });
        Assert.Equal(3, Calls("newPlot").Count);
        Assert.DoesNotContain("react", _plotly.Invocations.Identifiers);
        var loss = Calls("extendTraces").Single(c => (string)c.Arguments[0]! == $"loss-{_id}").Arguments;
        Assert.Equal([0, 1, 2, 3], (IEnumerable<int>)loss[3]!);
        var xs = ((IEnumerable<IEnumerable<object>>)loss[1]!).Select(x => x.Select(Convert.ToInt32).ToArray()).ToList();
        Assert.Equal([[1, 2, 3], [1, 2, 3], [1, 2], [1, 2]], xs);
        // The server keeps the same points as the browser.
        Assert.Equal([1, 2, 3], Xs(Trace(page, "loss", 0)));
        Assert.Equal([1, 2], Xs(Trace(page, "lr", 1)));
        Assert.Equal("seed-1/ban-1", CurrentKey(page));
        Assert.Equal("1/4 steps", page.Find("[data-testid=plan-progress-text]").TextContent);
        // Two refreshes for eight events: the page rendered once per refresh, never per event.
        Assert.Equal(2, page.Instance.Renders - rendersBefore);
    }

    [Fact]
    public void Each_trace_keeps_at_most_max_points_in_the_browser_and_on_the_server()
    {
        for (int e = 1; e <= 5; e++) Happen(new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(e)));
        var page = Render(maxPoints: 3);
        Assert.Equal([3, 4, 5], Xs(Trace(page, "loss", 0)));

        Happen(new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(6)));
        Happen(new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(7)));
        _clock.Advance(ExperimentLive.RefreshInterval);

        page.WaitForAssertion(() => Assert.Equal([5, 6, 7], Xs(Trace(page, "loss", 0))));
        Assert.Equal([5, 6, 7], Xs(Trace(page, "error", 1)));
        Assert.Equal([5, 6, 7], Xs(Trace(page, "lr", 0)));
        Assert.NotEmpty(Calls("extendTraces"));
        Assert.All(Calls("extendTraces"), c => Assert.Equal(3, c.Arguments[4])); // plotly.js trims the browser's copy to 3 too
    }

    [Fact]
    public void An_epoch_reported_again_by_a_retrained_step_replaces_its_point_and_the_charts_are_redrawn()
    {
        for (int e = 1; e <= 3; e++) Happen(new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(e)));
        var page = Render();
        Assert.Equal([1, 2, 3], Xs(Trace(page, "loss", 0)));

        // Resumed from scratch (a lost checkpoint, say): epoch 1 again with other numbers, then on.
        Happen(new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(1) with { TrainLoss = 9 }));
        _clock.Advance(ExperimentLive.RefreshInterval);
        page.WaitForAssertion(() => Assert.Equal(3, Calls("react").Count));
        Assert.Empty(Calls("extendTraces"));
        Assert.Equal([1, 2, 3], Xs(Trace(page, "loss", 1)));
        Assert.Equal([9.0, 1.0, 2.0 / 3], Trace(page, "loss", 1).Y.Cast<double>()); // train loss: the new epoch 1, the old 2 and 3

        // New epochs after it are appended as usual.
        Happen(new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(4)));
        _clock.Advance(ExperimentLive.RefreshInterval);
        page.WaitForAssertion(() => Assert.Equal(3, Calls("extendTraces").Count));
        Assert.Equal([1, 2, 3, 4], Xs(Trace(page, "lr", 0)));

        // What the store holds, as a reload shows it, is the same.
        var reloaded = _context.Bunit.Render<ExperimentLive>(p => p.Add(x => x.Id, _id));
        reloaded.WaitForAssertion(() => Assert.Equal(6, Calls("newPlot").Count));
        Assert.Equal([9.0, 1.0, 2.0 / 3, 0.5], Trace(reloaded, "loss", 1).Y.Cast<double>());
    }

    [Fact]
    public void The_outputs_panel_waits_for_the_end_then_profiles_each_step_or_names_it_untrained()
    {
        var page = Render();
        Assert.True(page.Find("button[data-testid=outputs-train]").HasAttribute("disabled")); // still training
        Assert.Contains("Available once the experiment has ended", page.Find("[data-testid=outputs-note]").TextContent);

        Store(ExperimentStatus.Completed);
        _context.Broadcaster.Publish(_id, new ExperimentEnded("live", _id, ExperimentStatus.Completed, null));
        _clock.Advance(ExperimentLive.RefreshInterval);
        page.WaitForAssertion(() => Assert.False(page.Find("button[data-testid=outputs-train]").HasAttribute("disabled")));

        // Its folder holds no checkpoint: every step is listed, in plan order, as not trained yet.
        page.Find("button[data-testid=outputs-train]").Click();
        page.WaitForAssertion(() => Assert.Equal(_plan.Steps.Select(s => s.Key), page.FindAll("[data-testid=outputs-row]").Select(r => r.GetAttribute("data-key"))),
            TimeSpan.FromSeconds(60));
        Assert.Equal(_plan.Steps.Count, page.FindAll("[data-testid=outputs-missing]").Count);
        Assert.Contains("Training images: 300", page.Find("[data-testid=outputs-caption]").TextContent);
        Assert.Equal($"/api/experiments/{_id}/outputs.csv?split=train", page.Find("[data-testid=outputs-csv]").GetAttribute("href"));
    }

    [Fact]
    public void A_refused_profile_request_says_why_and_keeps_the_report_already_shown()
    {
        Store(ExperimentStatus.Completed);
        var page = Render();
        page.Find("button[data-testid=outputs-train]").Click();
        page.WaitForAssertion(() => Assert.Equal(_plan.Steps.Count, page.FindAll("[data-testid=outputs-row]").Count), TimeSpan.FromSeconds(60));
        Assert.Empty(page.FindAll("[data-testid=outputs-problem]"));

        // Resumed elsewhere (another process): the stored status says training, so the test-images request is refused.
        Store(ExperimentStatus.Running);
        page.Find("button[data-testid=outputs-test]").Click();
        page.WaitForAssertion(() => Assert.Contains($"experiment {_id} is running", page.Find("[data-testid=outputs-problem]").TextContent));
        // The training-images report stays, with its caption and CSV link, beside the reason.
        Assert.Equal(_plan.Steps.Count, page.FindAll("[data-testid=outputs-row]").Count);
        Assert.Contains("Training images: 300", page.Find("[data-testid=outputs-caption]").TextContent);
        Assert.EndsWith("split=train", page.Find("[data-testid=outputs-csv]").GetAttribute("href"));
        Assert.False(page.Find("button[data-testid=outputs-test]").HasAttribute("disabled")); // not stuck working
    }

    [Fact]
    public void The_outputs_panel_marks_a_checkpoint_stopped_early_or_trained_for_another_configuration()
    {
        // Two checkpoints in the experiment's folder: the teacher's stopped at epoch 3 of 8 and made for another
        // configuration (another fingerprint), BAN-1's all 8 epochs of this spec's step.
        string folder = Directory.CreateTempSubdirectory("ban-live-outputs-").FullName;
        try
        {
            var fingerprints = ExperimentRunner.Fingerprints(_plan);
            using (var data = _plan.Spec.Dataset.Load(new BanStudio.Training.Data.DatasetCatalog([], includeSystemFolders: false)))
                foreach (var (key, epochs, fingerprint) in new[] { ("seed-1/teacher", 3, "0123456789ABCDEF"), ("seed-1/ban-1", 8, fingerprints["seed-1/ban-1"]) })
                {
                    using var model = Step(key).Model!.Build(data.Shape, seed: 7);
                    using var sgd = TorchSharp.torch.optim.SGD(model.parameters(), 0.1);
                    Checkpoint.Save(Path.Combine(folder, key, Checkpoint.FileName), new Checkpoint.Header(fingerprint, epochs, [], 1), model, sgd, []);
                }
            Store(ExperimentStatus.Cancelled, folder);
            var page = Render();
            page.Find("button[data-testid=outputs-train]").Click();
            page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=outputs-error]").Count), TimeSpan.FromSeconds(60));

            var teacher = page.Find("[data-testid=outputs-row][data-key='seed-1/teacher']");
            Assert.Equal("unfinished: epoch 3 of 8", teacher.QuerySelector("[data-testid=outputs-unfinished]")!.TextContent.Trim());
            var other = teacher.QuerySelector("[data-testid=outputs-other-configuration]")!;
            Assert.Equal("trained for another configuration (resuming retrains it)", other.TextContent.Trim());
            Assert.Contains("Resuming the experiment would train the step again", other.GetAttribute("title"));
            var student = page.Find("[data-testid=outputs-row][data-key='seed-1/ban-1']");
            Assert.Null(student.QuerySelector("[data-testid=outputs-unfinished]"));
            Assert.Null(student.QuerySelector("[data-testid=outputs-other-configuration]"));
            Assert.NotNull(student.QuerySelector("[data-testid=outputs-error]"));
            // BAN-2 has no checkpoint, and the ensemble of BAN-1 and BAN-2 lacks one of its members'.
            Assert.Equal(["seed-1/ban-2", "seed-1/ens-2"], page.FindAll("[data-testid=outputs-row]")
                .Where(r => r.QuerySelector("[data-testid=outputs-missing]") is not null).Select(r => r.GetAttribute("data-key")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_spec_scored_on_a_few_test_images_offers_the_whole_test_set_and_its_links_keep_the_choice()
    {
        using var folder = new BanStudio.Tests.Data.TempFolder();
        Store(ExperimentStatus.Completed, folder.Path);
        // This experiment's spec scores on all its test images: no third button.
        Assert.Empty(Render().FindAll("[data-testid=outputs-test-all]"));

        // A spec with a testLimit (passed as the live page passes it): its models can be scored on all 100 test images.
        var panel = _context.Bunit.Render<OutputsPanel>(p => p.Add(c => c.ExperimentId, _id).Add(c => c.Available, true).Add(c => c.TestLimit, 40));
        Assert.Contains("40 test images", panel.Find("button[data-testid=outputs-test-all]").GetAttribute("title"));
        panel.Find("button[data-testid=outputs-test-all]").Click();
        panel.WaitForAssertion(() => Assert.Contains("Test images: 100 (the whole test set, not the spec's testLimit)",
            panel.Find("[data-testid=outputs-caption]").TextContent), TimeSpan.FromSeconds(60));
        Assert.Equal($"/api/experiments/{_id}/outputs.csv?split=test&testLimit=all", panel.Find("[data-testid=outputs-csv]").GetAttribute("href"));
        // No checkpoints in its folder: every model is named as not trained yet, and there is nothing to summarise.
        Assert.Equal(4, panel.FindAll("[data-testid=outputs-missing]").Count);
        Assert.Empty(panel.FindAll("[data-testid=outputs-summary]"));
    }

    [Fact]
    public void The_log_panel_shows_stored_messages_and_a_failure_reason_as_it_happens()
    {
        Happen(new StepStarted("live", Step("seed-1/teacher"), 0, 4));
        var page = Render();
        Assert.Contains(LogEntries(page), e => e.Severity == "info" && e.Text.StartsWith("[1/4] seed-1/teacher (Teacher, WRN-10-1", StringComparison.Ordinal));

        const string reason = "loss became NaN at epoch 2, batch 3; lower the learning rate or check the data";
        Happen(new StepFinished("live", Step("seed-1/teacher"), Result("seed-1/teacher", TrainingStatus.Failed, reason), Reused: false));
        Happen(new ExperimentLog("live", $"seed-1/teacher failed: {reason}")); // the runner's own line: the same news
        _clock.Advance(ExperimentLive.RefreshInterval);

        page.WaitForAssertion(() => Assert.Single(LogEntries(page), e => e.Severity == "error" && e.Text.Contains(reason)));
        // The failed run has no final figure, only how far it got.
        Assert.Equal("none (stopped after epoch 3)", page.FindAll("[data-testid=run-final]")[0].TextContent.Trim());
        // Stored, so a page opened later (or after a restart) shows the same.
        using var db = _context.NewDb();
        Assert.Single(db.LogEntries, l => l.ExperimentId == _id && l.Severity == LogSeverity.Error && l.RunKey == "seed-1/teacher" && l.Message.Contains(reason));
    }

    [Fact]
    public void The_cancel_button_cancels_through_the_same_path_as_the_api()
    {
        Store(ExperimentStatus.Queued);
        var page = Render();
        Assert.True(page.Find("[data-testid=resume-button]").HasAttribute("disabled"));

        page.Find("[data-testid=cancel-button]").Click();

        page.WaitForAssertion(() => Assert.Equal("cancelled", page.Find("[data-testid=status]").TextContent.Trim()));
        using var check = _context.NewDb();
        var stored = check.Experiments.Single(e => e.Id == _id);
        Assert.Equal((ExperimentStatus.Cancelled, ExperimentControl.CancelledBeforeStart), (stored.Status, stored.Reason));
        Assert.Contains(check.LogEntries, l => l.ExperimentId == _id && l.Message == $"experiment cancelled: {ExperimentControl.CancelledBeforeStart}");
        Assert.False(page.Find("[data-testid=resume-button]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Delete_is_offered_only_once_it_stopped_and_a_delete_elsewhere_turns_the_page_into_not_found()
    {
        var page = Render();
        Assert.True(page.Find("[data-testid=delete-button]").HasAttribute("disabled")); // running: cancel first
        Store(ExperimentStatus.Completed);
        Happen(new ExperimentEnded("live", _id, ExperimentStatus.Completed, null));
        _clock.Advance(ExperimentLive.RefreshInterval);
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=delete-button]").HasAttribute("disabled")));

        // Deleted from another tab or over the API: the control publishes, the page follows.
        var result = await _context.Bunit.Services.GetRequiredService<ExperimentControl>().DeleteAsync(_id, CancellationToken.None);
        Assert.Equal(ControlOutcome.Accepted, result.Outcome);
        _clock.Advance(ExperimentLive.RefreshInterval);

        page.WaitForAssertion(() => Assert.Contains($"There is no experiment {_id}", page.Find("[data-testid=not-found]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=runs-table]"));
    }

    [Fact]
    public void An_experiment_the_cli_trains_in_another_process_is_followed_from_the_database()
    {
        var page = Render();
        // The CLI's executor stores rows in the shared file; its events go to its own process, not this one.
        Recorder.Record(_id, _plan, "/tmp/unused", new StepStarted("live", Step("seed-1/teacher"), 0, 4));
        Recorder.Record(_id, _plan, "/tmp/unused", new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(1)));
        Recorder.Record(_id, _plan, "/tmp/unused", new StepEpochCompleted("live", Step("seed-1/teacher"), Epoch(2)));
        _clock.Advance(ExperimentLive.RefreshInterval);
        Assert.Empty(Calls("extendTraces"));

        _clock.Advance(ExperimentLive.OtherProcessInterval);

        page.WaitForAssertion(() =>
        {
            Assert.Equal([1, 2], Xs(Trace(page, "loss", 0)));
            Assert.Equal("seed-1/teacher", CurrentKey(page));
            Assert.Contains("epoch 2/8", page.Find("[data-testid=current-model]").TextContent);
        });
        Assert.Contains(LogEntries(page), e => e.Text.StartsWith("[1/4] seed-1/teacher", StringComparison.Ordinal));
        // Read once: the next look finds nothing new and appends nothing twice.
        _clock.Advance(ExperimentLive.OtherProcessInterval);
        page.WaitForAssertion(() => Assert.Equal([1, 2], Xs(Trace(page, "loss", 0))));
        Assert.Equal(3, Calls("extendTraces").Count);
    }

    static string? CurrentKey(IRenderedComponent<ExperimentLive> page) =>
        page.FindAll("[data-testid=current-model]").SingleOrDefault()?.TextContent is { } text ? text[(text.IndexOf('(') + 1)..text.IndexOf(')')] : null;

    static List<(string Severity, string Text)> LogEntries(IRenderedComponent<ExperimentLive> page) =>
        page.FindAll("[data-testid=log-entry]").Select(e => (e.GetAttribute("data-severity")!, e.TextContent.Trim())).ToList();

    static ModelResult Result(string key, TrainingStatus status, string? reason) => new()
    {
        Key = key, Column = "Teacher", Seed = 1, Generation = 0, Model = "WRN-10-1", Objective = "label", Status = status, Reason = reason,
        FinalTestError = status == TrainingStatus.Completed ? 0.6 : null, Epochs = 3,
    };
}
