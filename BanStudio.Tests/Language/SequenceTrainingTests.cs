using BanStudio.Tests.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Language;
using BanStudio.Training.Objectives;
using BanStudio.Training.Training;
using static TorchSharp.torch;

namespace BanStudio.Tests.Language;

[Collection(TorchCollection.Name)]
public sealed class SequenceTrainingTests
{
    static TrainingSchedule Sgd(int epochs, int batch) => new()
    {
        Epochs = epochs, BatchSize = batch, LearningRate = 1, Momentum = 0, Nesterov = false, WeightDecay = 0,
        Schedule = LearningRateSchedule.Plateau, Gamma = 0.25, ClipGradNorm = 5,
    };

    [Fact]
    public void A_tiny_lstm_learns_the_builtin_text_far_below_the_vocabulary_size()
    {
        var corpus = BuiltinText.Generate(seed: 0, trainSentences: 1000);
        using var model = new LstmSpec(32, Dropout: 0) { InitRange = 0.1 }.BuildLanguageModel(corpus.Vocabulary.Count, seed: 1);
        var trainer = new SequenceTrainer(new SequenceTrainerOptions
        {
            Model = model, Corpus = corpus, Schedule = Sgd(2, 4), Seed = 1, Steps = 10,
        });
        var result = trainer.Run();

        Assert.Equal(TrainingStatus.Completed, result.Status);
        var first = result.History[0];
        var last = result.History[^1];
        double validPerplexity = Math.Exp(last.ValidLoss!.Value);
        // A uniform guess has perplexity = vocabulary (about 50); the grammar allows far better.
        Assert.True(validPerplexity < corpus.Vocabulary.Count / 4.0, $"valid perplexity {validPerplexity:0.0} with {corpus.Vocabulary.Count} words");
        Assert.True(last.ValidLoss < first.ValidLoss);
        Assert.True(Math.Exp(last.TestLoss) < corpus.Vocabulary.Count / 4.0);
        Assert.True(last.ImagesPerSecond > 0); // words per second
    }

    [Fact]
    public void A_language_model_experiment_runs_through_the_runner_and_is_reused_on_a_second_run()
    {
        using var folder = new TempFolder();
        var spec = new ExperimentSpec
        {
            Name = "lm-runner",
            Dataset = new BanStudio.Training.Data.DatasetSpec(TextDatasets.BuiltinText, TrainSize: 200),
            Teacher = new LstmSpec(12, Dropout: 0) { InitRange = 0.1 },
            Generations = 1, GenerationObjective = "ban+l", Treatments = [Treatment.BanPlusLabel],
            Ensembles = true, EnsembleIncludesTeacher = true, Schedule = Sgd(1, 4), Seeds = [1],
        };
        var corpus = TextDatasets.Load(spec.Dataset);
        var runner = new ExperimentRunner(spec, folder.Path);
        var outcome = runner.Run(corpus);

        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        Assert.Equal(["seed-1/teacher", "seed-1/ban-1", "seed-1/ban-plus-l", "seed-1/ens-2"], outcome.Results.Select(r => r.Key));
        Assert.All(outcome.Results, r => Assert.InRange(r.FinalValidPerplexity!.Value, 1.0, corpus.Vocabulary.Count * 2.0));
        var ensemble = outcome.Results[^1];
        Assert.Equal(["seed-1/teacher", "seed-1/ban-1"], ensemble.Members);
        Assert.Equal("ban+l", outcome.Results[1].Objective);

        var table = ResultsTable.Render(runner.Plan, outcome.Results);
        Assert.Contains("Teacher Val", table);
        Assert.Contains("BAN+L Test", table);
        Assert.Contains(outcome.Results[0].FinalTestPerplexity!.Value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), table);
        var csv = File.ReadAllLines(Path.Combine(folder.Path, "results.csv"));
        Assert.EndsWith("final_valid_perplexity,final_test_perplexity", csv[0]);

        var again = new ExperimentRunner(spec, folder.Path);
        var reused = new List<bool>();
        again.Event += e => { if (e is StepFinished f) reused.Add(f.Reused); };
        var second = again.Run(corpus);
        Assert.All(reused, Assert.True);
        Assert.Equal(outcome.Results.Select(r => r.FinalTestPerplexity), second.Results.Select(r => r.FinalTestPerplexity));
    }

    [Fact]
    public void A_student_learns_from_the_teachers_softmax_at_every_step()
    {
        // With the BAN objective and a teacher that always predicts word 3, a student ends up predicting word 3 too,
        // whatever the labels say: the teacher's per-step outputs, not the text, were its target.
        var corpus = BuiltinText.Generate(seed: 0, trainSentences: 200);
        using var teacher = new LstmSpec(8, Dropout: 0, TieWeights: false) { InitRange = 0.1 }.BuildLanguageModel(corpus.Vocabulary.Count, seed: 1);
        using (no_grad())
        {
            foreach (var p in teacher.Classifier.parameters()) p.zero_();
            ((TorchSharp.Modules.Linear)teacher.Classifier).bias![3] = tensor(10f);
        }
        using var student = new LstmSpec(8, Dropout: 0) { InitRange = 0.1 }.BuildLanguageModel(corpus.Vocabulary.Count, seed: 2);
        var result = new SequenceTrainer(new SequenceTrainerOptions
        {
            Model = student, Teacher = teacher, Objective = new Ban(), Corpus = corpus, Schedule = Sgd(1, 4), Seed = 2, Steps = 10,
        }).Run();
        Assert.Equal(TrainingStatus.Completed, result.Status);
        student.eval();
        using var scope = NewDisposeScope();
        var predicted = student.forward(tensor(corpus.Valid[..20].Select(i => (long)i).ToArray(), [20, 1])).argmax(2);
        Assert.True(predicted.eq(3).all().item<bool>());
    }

    [Fact]
    public void Native_memory_stays_flat_across_epochs_with_a_teacher_and_carried_state()
    {
        var corpus = BuiltinText.Generate(seed: 0, trainSentences: 100);
        using var teacher = new LstmSpec(8, Dropout: 0.1).BuildLanguageModel(corpus.Vocabulary.Count, seed: 1);
        using var student = new CnnLstmSpec(8, 1, 0.1) { MaxWidth = 2, FiltersPerWidth = 3, HighwayLayers = 1 }
            .BuildLanguageModel(corpus.Vocabulary.Count, seed: 2);
        using var folder = new TempFolder();
        var live = new List<long>();
        var trainer = new SequenceTrainer(new SequenceTrainerOptions
        {
            Model = student, Teacher = teacher, Objective = new Dkpp(3), Corpus = corpus, Schedule = Sgd(4, 4), Seed = 2,
            Steps = 10, CheckpointDirectory = folder.Path,
        });
        trainer.EpochCompleted += _ =>
        {
            // This thread's own count (the trainer makes every window on it), not the process's, which whatever else is
            // running changes; a tensor left to the finalizer is freed on the finalizer's thread and stays in this count.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            live.Add(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        };
        Assert.Equal(TrainingStatus.Completed, trainer.Run().Status);
        // A leaked state or logits tensor per window would add dozens per epoch (about 30 windows here).
        Assert.Equal(4, live.Count);
        Assert.True(live.Skip(1).All(c => c == live[1]), $"live tensors on the training thread after each epoch: {string.Join(", ", live)}");
    }

    [Fact]
    public void An_interrupted_language_model_resumes_to_the_weights_and_history_of_an_uninterrupted_run()
    {
        var corpus = BuiltinText.Generate(seed: 0, trainSentences: 100);
        using var folder = new TempFolder();
        SequenceTrainer Trainer(LanguageModel model, string dir) => new(new SequenceTrainerOptions
        {
            Model = model, Corpus = corpus, Schedule = Sgd(3, 4), Seed = 1, Steps = 10,
            CheckpointDirectory = folder.Sub(dir), Fingerprint = "same",
        });
        // Dropout on: the resumed run must also restore the generator the masks are drawn from.
        var spec = new LstmSpec(8, Dropout: 0.3) { InitRange = 0.1 };
        using var straight = spec.BuildLanguageModel(corpus.Vocabulary.Count, seed: 1);
        manual_seed(11);
        var full = Trainer(straight, "straight").Run();
        Assert.Equal(TrainingStatus.Completed, full.Status);

        using (var first = spec.BuildLanguageModel(corpus.Vocabulary.Count, seed: 1))
        {
            manual_seed(11);
            using var cts = new CancellationTokenSource();
            var interrupted = Trainer(first, "interrupted");
            interrupted.EpochCompleted += m => { if (m.Epoch == 2) cts.Cancel(); };
            var stopped = interrupted.Run(cts.Token);
            Assert.Equal(TrainingStatus.Cancelled, stopped.Status);
            Assert.Equal(2, stopped.History.Count);
        }

        // As a new process would: another model, another global seed; the checkpoint restores all of it.
        manual_seed(999);
        using var resumed = spec.BuildLanguageModel(corpus.Vocabulary.Count, seed: 42);
        var trainer = Trainer(resumed, "interrupted");
        int? resumedAfter = null;
        trainer.Resumed += n => resumedAfter = n;
        var result = trainer.Run();
        Assert.Equal(2, resumedAfter);
        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal([1, 2, 3], result.History.Select(m => m.Epoch));
        Assert.Equal(full.History.Select(m => (m.TrainLoss, m.ValidLoss, m.TestLoss, m.LearningRate)),
                     result.History.Select(m => (m.TrainLoss, m.ValidLoss, m.TestLoss, m.LearningRate)));
        ModuleAssert.SameParameters(straight, resumed, "after resume");
    }

    [Fact]
    public void A_test_batch_size_of_one_scores_models_and_ensembles_on_one_stream_and_leaves_training_alone()
    {
        using var streams = new TempFolder();
        using var single = new TempFolder();
        ExperimentSpec Spec(int? testBatch) => new()
        {
            Name = "lm-test-batch",
            Dataset = new BanStudio.Training.Data.DatasetSpec(TextDatasets.BuiltinText, TrainSize: 200),
            Teacher = new LstmSpec(12, Dropout: 0) { InitRange = 0.1 },
            Generations = 1, GenerationObjective = "ban+l", Ensembles = true, EnsembleIncludesTeacher = true,
            Schedule = Sgd(1, 8) with { TestBatchSize = testBatch }, Seeds = [1],
        };
        // Left out of the JSON when not set, so older specs keep their fingerprints; set, it round-trips.
        Assert.DoesNotContain("testBatchSize", BanStudio.Training.SpecJson.Write(Spec(null)));
        Assert.Equal(1, BanStudio.Training.SpecJson.Parse<ExperimentSpec>(BanStudio.Training.SpecJson.Write(Spec(1)), "spec").Schedule.TestBatchSize);

        var corpus = TextDatasets.Load(Spec(null).Dataset);
        var batched = new ExperimentRunner(Spec(null), streams.Path).Run(corpus);
        var runner = new ExperimentRunner(Spec(1), single.Path);
        var outcome = runner.Run(corpus);
        Assert.Equal(TrainingStatus.Completed, outcome.Status);

        // Training and validation do not depend on it; the test split is scored as one stream.
        Assert.Equal(batched.Results.Select(r => r.FinalValidLoss), outcome.Results.Select(r => r.FinalValidLoss));
        var models = runner.Plan.Steps.Where(s => s.Members.Count == 0).Select(s =>
        {
            var m = ((LanguageModelSpec)s.Model!).BuildLanguageModel(corpus.Vocabulary.Count);
            Checkpoint.LoadWeights(Path.Combine(single.Path, s.Folder, Checkpoint.FileName), m);
            return (s.Key, Model: m);
        }).ToList();
        try
        {
            foreach (var (key, model) in models)
            {
                var result = outcome.Results.Single(r => r.Key == key);
                Assert.Equal(SequenceScore.Evaluate([model], corpus.Test, CPU, batchSize: 1).Loss, result.FinalTestLoss!.Value, 5);
                Assert.Equal(SequenceScore.Evaluate([model], corpus.Test, CPU, batchSize: 8).Loss, batched.Results.Single(r => r.Key == key).FinalTestLoss!.Value, 5);
                Assert.NotEqual(result.FinalTestLoss!.Value, batched.Results.Single(r => r.Key == key).FinalTestLoss!.Value, 4);
            }
            var ensemble = outcome.Results[^1];
            Assert.Equal(2, ensemble.Members.Count);
            var members = ensemble.Members.Select(k => models.Single(m => m.Key == k).Model).ToList();
            Assert.Equal(SequenceScore.Evaluate(members, corpus.Test, CPU, batchSize: 1).Loss, ensemble.FinalTestLoss!.Value, 5);
            Assert.NotEqual(ensemble.FinalTestLoss!.Value, batched.Results[^1].FinalTestLoss!.Value, 4);
        }
        finally
        {
            foreach (var (_, model) in models) model.Dispose();
        }
    }

    [Fact]
    public void Language_experiment_specs_report_mismatches_by_field()
    {
        var lstm = new LstmSpec(12);
        var imagesForLstm = ExperimentValidation.Validate(new ExperimentSpec { Teacher = lstm, Schedule = Sgd(1, 4) });
        Assert.Contains(imagesForLstm, e => e.Field == "dataset.kind" && e.Message.Contains("ptb"));

        var textForCnn = ExperimentValidation.Validate(new ExperimentSpec
        {
            Teacher = new BanStudio.Training.Models.WideResNetSpec(10, 1), Dataset = new(TextDatasets.BuiltinText),
            Schedule = new TrainingSchedule { Schedule = LearningRateSchedule.Plateau, ClipGradNorm = 5 },
        });
        Assert.Contains(textForCnn, e => e.Field == "dataset.kind");
        Assert.Contains(textForCnn, e => e.Field == "schedule.schedule");
        Assert.Contains(textForCnn, e => e.Field == "schedule.clipGradNorm");
        var testBatchForCnn = ExperimentValidation.Validate(new ExperimentSpec
        {
            Teacher = new BanStudio.Training.Models.WideResNetSpec(10, 1), Schedule = new TrainingSchedule { TestBatchSize = 1 },
        });
        Assert.Equal(["schedule.testBatchSize"], testBatchForCnn.Select(e => e.Field));
        Assert.Contains(new TrainingSchedule { TestBatchSize = 0 }.Validate(), e => e.Field == "schedule.testBatchSize" && e.Message.Contains("got 0"));

        // Limits too small for the batch's streams are refused before training, naming the limit and the batch.
        var tooFewWords = ExperimentValidation.Validate(new ExperimentSpec
        {
            Teacher = lstm, Dataset = new(TextDatasets.BuiltinText, TrainLimit: 100, TestLimit: 100), Schedule = Sgd(1, 64),
        });
        Assert.Contains(tooFewWords, e => e.Field == "dataset.testLimit" && e.Message.Contains("schedule.batchSize = 64") && e.Message.Contains("128"));
        Assert.Contains(tooFewWords, e => e.Field == "dataset.trainLimit");
        Assert.DoesNotContain(ExperimentValidation.Validate(new ExperimentSpec
        {
            Teacher = lstm, Dataset = new(TextDatasets.BuiltinText, TrainLimit: 128, TestLimit: 128), Schedule = Sgd(1, 64),
        }), e => e.Field is "dataset.testLimit" or "dataset.trainLimit");
        // A test batch larger than the test limit can fill is refused too, naming the test batch; a smaller one is fine.
        var tooFewTestWords = ExperimentValidation.Validate(new ExperimentSpec
        {
            Teacher = lstm, Dataset = new(TextDatasets.BuiltinText, TestLimit: 200), Schedule = Sgd(1, 64) with { TestBatchSize = 101 },
        });
        Assert.Contains(tooFewTestWords, e => e.Field == "dataset.testLimit" && e.Message.Contains("schedule.testBatchSize = 101") && e.Message.Contains("202"));
        Assert.DoesNotContain(ExperimentValidation.Validate(new ExperimentSpec
        {
            Teacher = lstm, Dataset = new(TextDatasets.BuiltinText, TestLimit: 200), Schedule = Sgd(1, 64) with { TestBatchSize = 1 },
        }), e => e.Field == "dataset.testLimit");

        Assert.Contains(new LstmSpec(0, Layers: 9, Dropout: 1) { EmbeddingSize = 5 }.Validate().Select(e => e.Field), f => f == "units");
        var fields = new LstmSpec(10, Layers: 9, Dropout: 1) { EmbeddingSize = 5 }.Validate().Select(e => e.Field).ToList();
        Assert.Equal(["dropout", "layers", "embeddingSize"], fields);
        Assert.Contains(new CnnLstmSpec { MaxWidth = 9, MaxWordLength = 3 }.Validate(), e => e.Field == "maxWordLength");
    }

    [Fact]
    public void The_ptb_spec_files_parse_and_their_only_possible_problem_is_a_missing_ptb_folder()
    {
        string specs = Path.Combine(Repository.Root, "wwwroot-assets", "specs");
        var files = Directory.GetFiles(specs, "ptb-*.json");
        Assert.True(files.Length >= 4, $"ptb specs in {specs}: {files.Length}");
        foreach (var file in files)
        {
            var spec = BanStudio.Training.SpecJson.Parse<ExperimentSpec>(File.ReadAllText(file), "experiment spec");
            Assert.IsAssignableFrom<LanguageModelSpec>(spec.Teacher);
            Assert.All(ExperimentValidation.Validate(spec), e => Assert.Equal("dataset.path", e.Field));
        }
    }
}

/// <summary>The repository's root, found from the test binaries.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BanStudio.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("BanStudio.sln not found above " + AppContext.BaseDirectory);
    }
}

[Collection(TorchCollection.Name)]
public sealed class SequenceStepTests
{
    [Fact]
    public void One_sgd_step_follows_the_loss_summed_over_the_window_and_averaged_over_sequences()
    {
        // Exactly one window: 2 sequences of 6 words -> 5 steps of input and target.
        const int B = 2, T = 5;
        var vocabulary = Vocabulary.Build(["a", "b", "c", "d"]);
        int[] ids = [0, 1, 2, 3, 0, 1, 2, 3, 1, 0, 2, 3];
        var corpus = new CorpusSplits("tiny", vocabulary, ids, ids, ids);
        var spec = new LstmSpec(4, Dropout: 0, TieWeights: false) { InitRange = 0.3 };
        using var model = spec.BuildLanguageModel(vocabulary.Count, seed: 1);
        using var reference = spec.BuildLanguageModel(vocabulary.Count, seed: 1);

        // The expected update by hand: w - lr * T * d(mean per-word cross-entropy)/dw.
        const double lr = 0.5;
        using (var stream = new TokenStream(ids, B, 35))
        {
            Assert.Equal(1, stream.Windows);
            var (x, y) = stream.Window(0);
            Assert.Equal(T, x.shape[0]);
            var logits = reference.forward(x);
            var loss = TorchSharp.torch.nn.functional.cross_entropy(logits.view(-1, vocabulary.Count), y.flatten());
            loss.backward();
        }
        var expected = reference.Classifier.parameters().First();
        var expectedAfter = (expected.detach() - lr * T * expected.grad!).data<float>().ToArray();

        new SequenceTrainer(new SequenceTrainerOptions
        {
            Model = model, Corpus = corpus, Seed = 1, EvaluationBatchSize = B,
            Schedule = new TrainingSchedule { Epochs = 1, BatchSize = B, LearningRate = lr, Momentum = 0, Nesterov = false, WeightDecay = 0 },
        }).Run();
        var after = model.Classifier.parameters().First().data<float>().ToArray();
        Assert.Equal(expectedAfter.Length, after.Length);
        for (int i = 0; i < after.Length; i++) Assert.Equal(expectedAfter[i], after[i], 4);
    }
}
