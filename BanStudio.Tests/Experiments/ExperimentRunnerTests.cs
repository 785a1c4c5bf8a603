using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;
using BanStudio.Training.Training;
using CsvHelper;
using static TorchSharp.torch;

namespace BanStudio.Tests.Experiments;

/// <summary>Whole born-again experiments, really trained (tiny models, tiny data, one epoch per model).</summary>
[Collection(TorchCollection.Name)]
public sealed class ExperimentRunnerTests() : BuiltinDataTests(1, 600, 200, "ban-experiment-")
{

    static ExperimentSpec Spec(ModelSpec? teacher = null, ModelSpec? student = null, int generations = 2, Treatment[]? treatments = null) => new()
    {
        Name = "test",
        Dataset = new DatasetSpec(TrainSize: 600, TestSize: 200, Seed: 1),
        Teacher = teacher ?? new WideResNetSpec(10, 1, DropRate: 0),
        Student = student,
        Generations = generations,
        Treatments = treatments ?? [Treatment.BanPlusLabel, Treatment.Cwtm, Treatment.Dkpp],
        Schedule = new TrainingSchedule { Epochs = 1, BatchSize = 50, LearningRate = 0.05 },
        Seeds = [3],
    };

    [Fact]
    public void A_plan_runs_to_the_end_and_writes_results_json_and_csv_with_every_column()
    {
        var runner = new ExperimentRunner(Spec(), _dir);
        var events = new List<ExperimentEvent>();
        runner.Event += events.Add;
        var outcome = runner.Run(_data);

        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        Assert.Equal(["Teacher", "BAN-1", "BAN-2", "BAN+L", "CWTM", "DKPP", "Ens*2"], outcome.Results.Select(r => r.Column));
        Assert.All(outcome.Results, r => Assert.InRange(r.FinalTestError!.Value, 0, 1));
        var teacher = outcome.Results[0];
        Assert.All(outcome.Results.Skip(1), r =>
        {
            Assert.Equal(teacher.FinalTestError, r.TeacherFinalTestError);
            Assert.Equal((teacher.FinalTestError!.Value - r.FinalTestError!.Value) * 100, r.ImprovementOverTeacher!.Value, 9);
        });
        Assert.Equal(7, events.OfType<StepFinished>().Count(f => !f.Reused));
        Assert.Equal(6, events.OfType<StepEpochCompleted>().Count());
        Assert.IsType<ExperimentFinished>(events[^1]);

        using var reader = new CsvReader(new StreamReader(Path.Combine(_dir, "results.csv")), CultureInfo.InvariantCulture);
        var rows = reader.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(7, rows.Count);
        Assert.Equal("Ens*2", rows[^1]["column"]);
        Assert.Equal((outcome.Results[1].FinalTestError!.Value * 100).ToString("0.00", CultureInfo.InvariantCulture), rows[1]["final_epoch_test_error_pct"]);
        var json = SpecJson.Parse<List<ModelResult>>(File.ReadAllText(Path.Combine(_dir, "results.json")), "results");
        Assert.Equal(outcome.Results.Select(r => r.FinalTestError), json.Select(r => r.FinalTestError));
    }

    [Fact]
    public void Running_a_finished_plan_again_retrains_nothing_and_reports_the_same_numbers()
    {
        var first = new ExperimentRunner(Spec(generations: 2, treatments: []), _dir).Run(_data);
        var again = new ExperimentRunner(Spec(generations: 2, treatments: []), _dir);
        var events = new List<ExperimentEvent>();
        again.Event += events.Add;
        var second = again.Run(_data);
        Assert.Empty(events.OfType<StepStarted>());
        Assert.All(events.OfType<StepFinished>(), f => Assert.True(f.Reused));
        Assert.Equal(first.Results.Select(r => r.FinalTestError), second.Results.Select(r => r.FinalTestError));
    }

    [Fact]
    public void A_shared_start_baseline_is_the_model_a_separate_baseline_spec_trains_into_the_same_folder()
    {
        // One spec with BAN-1 and a Baseline sharing its start, trained; then Table 5's two-spec way: a Baseline-only
        // spec (no generations, so its Baseline takes the first student's seed) run into the same folder.
        var combined = Spec(generations: 1, treatments: [Treatment.Baseline]) with { SharedStart = true };
        var first = new ExperimentRunner(combined, _dir).Run(_data);
        Assert.Equal(TrainingStatus.Completed, first.Status);
        Assert.Equal(["Teacher", "BAN-1", "Baseline"], first.Results.Select(r => r.Column));
        var baselineResult = first.Results.Single(r => r.Column == "Baseline");

        var alone = new ExperimentRunner(Spec(generations: 0, treatments: [Treatment.Baseline]), _dir);
        var events = new List<ExperimentEvent>();
        alone.Event += events.Add;
        var second = alone.Run(_data);
        // Nothing trains: the teacher and the Baseline are the same configurations, so both are reused as they are.
        Assert.Empty(events.OfType<StepStarted>());
        Assert.All(events.OfType<StepFinished>(), f => Assert.True(f.Reused));
        Assert.Equal(baselineResult.FinalTestError, second.Results.Single(r => r.Column == "Baseline").FinalTestError);
        Assert.Equal(baselineResult.FinalTestLoss, second.Results.Single(r => r.Column == "Baseline").FinalTestLoss);
        // Without the shared start the combined spec's Baseline has a seed of its own: another configuration.
        var own = new ExperimentRunner(combined with { SharedStart = false }, Path.Combine(_dir, "own"));
        Assert.NotEqual(alone.FingerprintOf("seed-3/baseline"), own.FingerprintOf("seed-3/baseline"));
        Assert.Equal(alone.FingerprintOf("seed-3/baseline"), new ExperimentRunner(combined, _dir).FingerprintOf("seed-3/baseline"));
    }

    [Fact]
    public void An_interrupted_plan_resumes_at_the_first_unfinished_step()
    {
        using var cts = new CancellationTokenSource();
        var runner = new ExperimentRunner(Spec(generations: 2, treatments: []) with { Schedule = new TrainingSchedule { Epochs = 2, BatchSize = 50, LearningRate = 0.05 } }, _dir);
        runner.Event += e => { if (e is StepEpochCompleted { Step.Column: "BAN-2", Metrics.Epoch: 1 }) cts.Cancel(); };
        var stopped = runner.Run(_data, cts.Token);
        Assert.Equal(TrainingStatus.Cancelled, stopped.Status);
        var before = stopped.Results.Where(r => r.Status == TrainingStatus.Completed).ToDictionary(r => r.Column);
        Assert.Equal(["BAN-1", "Teacher"], before.Keys.Order(StringComparer.Ordinal));
        // The stopped student reports how far it got, not its epoch-1 error as a final-epoch result.
        var partial = stopped.Results.Single(r => r.Column == "BAN-2");
        Assert.Equal((TrainingStatus.Cancelled, 1), (partial.Status, partial.Epochs));
        Assert.Equal([null, null, null, null], new[] { partial.FinalTestError, partial.BestTestError, partial.FinalTestLoss, partial.ImprovementOverTeacher });
        Assert.Contains("BAN-2,", File.ReadAllText(Path.Combine(_dir, "results.csv")));

        var resumed = new ExperimentRunner(runner.Spec, _dir);
        var started = new List<string>();
        var resumedAfter = new List<string>();
        resumed.Event += e =>
        {
            if (e is StepStarted s) started.Add(s.Step.Column);
            if (e is ExperimentLog l && l.Message.Contains("resuming after epoch 1")) resumedAfter.Add(l.Message);
        };
        var done = resumed.Run(_data);
        Assert.Equal(TrainingStatus.Completed, done.Status);
        Assert.Equal(["BAN-2", "Ens*2"], started);
        Assert.Single(resumedAfter);
        foreach (var column in new[] { "Teacher", "BAN-1" })
            Assert.Equal(before[column].FinalTestError, done.Results.Single(r => r.Column == column).FinalTestError);
    }

    [Fact]
    public void A_densenet_teacher_gives_a_ban_resnet_student_its_conv1_and_fc_frozen_and_the_rest_trains()
    {
        var teacherSpec = new DenseNetSpec(10, 6);
        var studentSpec = new BanResNetSpec(teacherSpec, ResidualBlock.Wide, 1, 1);
        var runner = new ExperimentRunner(Spec(teacherSpec, studentSpec, generations: 1, treatments: [Treatment.Baseline]), _dir);
        var outcome = runner.Run(_data);
        Assert.True(outcome.Status == TrainingStatus.Completed, outcome.Reason);
        Assert.Equal(["Teacher", "BAN-1", "Baseline"], outcome.Results.Select(r => r.Column));

        using var teacher = teacherSpec.Build(_data.Shape);
        Checkpoint.LoadWeights(Path.Combine(_dir, "seed-3/teacher", Checkpoint.FileName), teacher);
        using var student = studentSpec.Build(_data.Shape);
        Checkpoint.LoadWeights(Path.Combine(_dir, "seed-3/ban-1", Checkpoint.FileName), student);
        // the student's initial weights, rebuilt from the same seed the plan used
        var step = runner.Plan.Steps.Single(s => s.Column == "BAN-1");
        using var initial = studentSpec.Build(_data.Shape, step.ModelSeed);

        AssertSame(teacher.Stem, student.Stem);
        AssertSame(teacher.Classifier, student.Classifier);
        var stemAndFc = student.Stem.parameters().Concat(student.Classifier.parameters()).Select(p => p.Handle).ToHashSet();
        var body = student.named_parameters().Where(p => !stemAndFc.Contains(p.parameter.Handle)).ToList();
        var init = initial.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.NotEmpty(body);
        Assert.True(body.Count(p => !Same(p.parameter, init[p.name])) >= body.Count - 2, "the student's own layers did not train");

        // Table 5's Baseline: the same student from labels only, sharing the same frozen layers; it differs from BAN-1
        // in the loss (and its seed), so it ends elsewhere.
        var baselineResult = outcome.Results.Single(r => r.Column == "Baseline");
        Assert.Equal(("label", "seed-3/teacher"), (baselineResult.Objective, baselineResult.TeacherKey));
        Assert.Equal(outcome.Results[0].FinalTestError, baselineResult.TeacherFinalTestError);
        using var baseline = studentSpec.Build(_data.Shape);
        Checkpoint.LoadWeights(Path.Combine(_dir, "seed-3/baseline", Checkpoint.FileName), baseline);
        AssertSame(teacher.Stem, baseline.Stem);
        AssertSame(teacher.Classifier, baseline.Classifier);
        var baselineBody = baseline.named_parameters().Where(p => body.Any(b => b.name == p.name)).ToList();
        Assert.Contains(baselineBody, p => !Same(p.parameter, body.Single(b => b.name == p.name).parameter));
    }

    [Fact]
    public void A_wide_resnet_teacher_teaches_a_densenet_student_without_sharing_layers()
    {
        var runner = new ExperimentRunner(Spec(new WideResNetSpec(10, 1, DropRate: 0), new DenseNetSpec(10, 6), generations: 1, treatments: []), _dir);
        var logs = new List<string>();
        runner.Event += e => { if (e is ExperimentLog l) logs.Add(l.Message); };
        var outcome = runner.Run(_data);
        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        Assert.Equal(["WRN-10-1", "DenseNet-BC-10-6"], outcome.Results.Select(r => r.Model));
        Assert.DoesNotContain(logs, m => m.Contains("shares conv1"));
        using var student = new DenseNetSpec(10, 6).Build(_data.Shape);
        Checkpoint.LoadWeights(Path.Combine(_dir, "seed-3/ban-1", Checkpoint.FileName), student);
        Assert.All(student.parameters(), p => Assert.True(p.requires_grad));
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static void AssertSame(nn.Module a, nn.Module b)
    {
        var x = a.parameters().ToList();
        var y = b.parameters().ToList();
        Assert.Equal(x.Count, y.Count);
        for (int i = 0; i < x.Count; i++) Assert.True(Same(x[i], y[i]), "a shared layer differs from the teacher's");
    }

    [Fact]
    public void An_ensemble_of_one_model_with_itself_scores_like_the_model_and_averages_probabilities()
    {
        using var model = new WideResNetSpec(10, 1, DropRate: 0).Build(_data.Shape, seed: 4);
        using var other = new WideResNetSpec(10, 1, DropRate: 0).Build(_data.Shape, seed: 5);
        var single = Ensemble.Evaluate([model], _data, CPU);
        var doubled = Ensemble.Evaluate([model, model], _data, CPU);
        Assert.Equal(single.Error, doubled.Error);
        Assert.Equal(single.Loss, doubled.Loss, 5);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = randn(4, 3, 32, 32);
        var p = Ensemble.AverageSoftmax([model, other], x);
        var expected = (nn.functional.softmax(model.forward(x), 1) + nn.functional.softmax(other.forward(x), 1)) / 2;
        Assert.True(p.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Theory]
    [InlineData("""{"generations": 2}""", "teacher")]
    [InlineData("""{"teacher": {"family": "wideresnet", "depth": 10, "widen": 1}, "student": {"family": "banresnet", "teacher": {"depth": 10, "growth": 6}, "block": "wide", "unitsPerBlock": 1}}""", "student")]
    [InlineData("""{"teacher": {"family": "densenet", "depth": 10, "growth": 6}, "generations": 11}""", "generations")]
    [InlineData("""{"teacher": {"family": "densenet", "depth": 10, "growth": 6}, "seeds": [1, 1]}""", "seeds")]
    [InlineData("""{"teacher": {"family": "densenet", "depth": 11, "growth": 6}}""", "teacher.depth")]
    [InlineData("""{"teacher": {"family": "densenet", "depth": 10, "growth": 6}, "generationObjective": "cwtm"}""", "generationObjective")]
    public void Bad_experiment_specs_are_rejected_before_training_naming_the_field(string json, string field)
    {
        var errors = Assert.Throws<SpecValidationException>(() =>
            new ExperimentRunner(SpecJson.Parse<ExperimentSpec>(json, "spec"), _dir)).Errors;
        Assert.Contains(errors, e => e.Field == field);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }
}
