using System.Diagnostics;
using BanStudio.Training.Experiments;
using BanStudio.Training.Objectives;
using BanStudio.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Language;

/// <summary>
/// The steps of a language-model experiment, as <see cref="ExperimentRunner"/> executes them: a trained step
/// runs the <see cref="SequenceTrainer"/> (the teacher, a finished step of the same plan, loaded from its
/// checkpoint), an ensemble step averages the generations' softmax at every step (Eq. 4) on the validation
/// and test streams.
/// </summary>
internal sealed class LanguageSteps(ExperimentRunner runner, CorpusSplits corpus)
{
    ExperimentSpec Spec => runner.Spec;

    public ModelResult Train(PlanStep step, Device device, IReadOnlyDictionary<string, ModelResult> results, CancellationToken ct)
    {
        var teacherStep = step.TeacherKey is null ? null : runner.Plan.Steps.Single(s => s.Key == step.TeacherKey);
        using var teacher = teacherStep is null ? null : LoadTrained(teacherStep);
        manual_seed(step.ModelSeed); // dropout draws from the global generator
        var spec = (LanguageModelSpec)step.Model!;
        using var model = spec.BuildLanguageModel(corpus.Vocabulary.Count, step.ModelSeed);
        var objective = Objective.Create(step.Objective, step.ModelSeed, ExperimentRunner.UsesTemperature(step.Objective) ? Spec.Temperature : 1);
        try
        {
            var trainer = new SequenceTrainer(new SequenceTrainerOptions
            {
                Model = model, Teacher = teacher, Objective = objective, Corpus = corpus, Schedule = Spec.Schedule,
                Seed = step.ModelSeed, Device = device, Fingerprint = runner.FingerprintOf(step.Key),
                CheckpointDirectory = Path.Combine(runner.Directory, step.Folder),
            });
            trainer.Resumed += epochs => runner.Log($"{step.Key}: resuming after epoch {epochs}");
            trainer.Notice += message => runner.Log($"{step.Key}: {message}");
            trainer.EpochCompleted += m => runner.Raise(new StepEpochCompleted(Spec.Name, step, m));
            trainer.BatchCompleted += p => runner.Raise(new StepBatchProgress(Spec.Name, step, p));
            var r = trainer.Run(ct);
            var (final, best) = (r.Reportable.LastOrDefault(), r.Reportable.Where(m => m.ValidLoss is not null).MinBy(m => m.ValidLoss));
            return new ModelResult
            {
                Key = step.Key, Column = step.Column, Seed = step.Seed, Generation = step.Generation,
                Model = spec.DisplayName, Objective = Objective.NameOf(step.Objective), TeacherKey = step.TeacherKey,
                Status = r.Status, Reason = r.Reason,
                FinalTestError = final?.TestError, BestTestError = best?.TestError, BestEpoch = best?.Epoch,
                FinalTestLoss = final?.TestLoss, FinalValidLoss = final?.ValidLoss,
                Parameters = r.Parameters, Epochs = r.History.Count, WallSeconds = r.WallSeconds,
                TeacherFinalTestError = ExperimentRunner.TeacherError(step, results), Fingerprint = runner.FingerprintOf(step.Key),
            };
        }
        finally
        {
            (objective as IDisposable)?.Dispose();
        }
    }

    public ModelResult Ensemble(PlanStep step, Device device, IReadOnlyDictionary<string, ModelResult> results)
    {
        var clock = Stopwatch.StartNew();
        var members = step.Members.Select(k => LoadTrained(runner.Plan.Steps.Single(s => s.Key == k))).ToList();
        try
        {
            foreach (var m in members) m.to(device);
            var valid = SequenceScore.Evaluate(members, corpus.Valid, device, Spec.Schedule.BatchSize);
            var test = SequenceScore.Evaluate(members, corpus.Test, device, Spec.Schedule.TestStreams);
            var teacherKey = runner.Plan.Steps.First(s => s.Seed == step.Seed && s.Column == ExperimentPlan.TeacherColumn).Key;
            return new ModelResult
            {
                Key = step.Key, Column = step.Column, Seed = step.Seed, Generation = step.Generation,
                Model = $"ensemble of {string.Join(" + ", step.Members.Select(m => results[m].Column))}",
                Objective = "softmax average per step (Eq. 4)", Members = step.Members, TeacherKey = teacherKey,
                Status = TrainingStatus.Completed,
                FinalTestError = test.Error, FinalTestLoss = test.Loss, FinalValidLoss = valid.Loss,
                Parameters = step.Members.Sum(m => results[m].Parameters), Epochs = 0, WallSeconds = clock.Elapsed.TotalSeconds,
                TeacherFinalTestError = results[teacherKey].FinalTestError, Fingerprint = runner.FingerprintOf(step.Key),
            };
        }
        finally
        {
            foreach (var m in members) m.Dispose();
        }
    }

    LanguageModel LoadTrained(PlanStep step)
    {
        var model = ((LanguageModelSpec)step.Model!).BuildLanguageModel(corpus.Vocabulary.Count);
        Checkpoint.LoadWeights(Path.Combine(runner.Directory, step.Folder, Checkpoint.FileName), model);
        model.UseVocabulary(corpus.Vocabulary);
        foreach (var p in model.parameters()) p.requires_grad = false;
        return model;
    }
}
