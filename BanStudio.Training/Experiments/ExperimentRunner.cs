using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BanStudio.Training.Data;
using BanStudio.Training.Language;
using BanStudio.Training.Models;
using BanStudio.Training.Objectives;
using BanStudio.Training.Training;
using static TorchSharp.torch;

namespace BanStudio.Training.Experiments;

/// <summary>The end of an experiment run: every result (trained now or reused) and how it ended.</summary>
public sealed record ExperimentOutcome(TrainingStatus Status, string? Reason, IReadOnlyList<ModelResult> Results);

/// <summary>
/// Executes an <see cref="ExperimentPlan"/> step by step in one folder. Each step keeps its checkpoint and,
/// once finished, a result.json; a finished step is never retrained (re-running resumes at the first
/// unfinished step, and an interrupted step resumes from its last epoch). results.json and results.csv
/// are rewritten after every step.
/// </summary>
public sealed class ExperimentRunner
{
    public const string ResultFile = "result.json";

    readonly string _directory;
    readonly IReadOnlyDictionary<string, string> _fingerprints;

    public ExperimentRunner(ExperimentSpec spec, string directory)
    {
        SpecValidationException.ThrowIfAny(ExperimentValidation.Validate(spec));
        Plan = ExperimentPlan.Create(spec);
        _directory = Path.GetFullPath(directory);
        _fingerprints = Fingerprints(Plan);
    }

    public ExperimentPlan Plan { get; }
    public string Directory => _directory;
    public ExperimentSpec Spec => Plan.Spec;
    public event Action<ExperimentEvent>? Event;

    /// <summary>Runs on the <see cref="TrainingThread"/>: the main thread where the host lends it, else a dedicated one.</summary>
    public Task<ExperimentOutcome> RunAsync(ImageSplits data, CancellationToken ct = default) =>
        TrainingThread.Run(() => Run(data, ct), ct);

    public ExperimentOutcome Run(ImageSplits data, CancellationToken ct = default) =>
        RunSteps((step, device, results) => step.Kind == StepKind.Train
            ? TrainStep(step, data, device, results, ct)
            : EnsembleStep(step, data, device, results), ct);

    /// <summary>A language-model experiment (PTB, Table 6): the same plan, steps, reuse and resume, with the sequence trainer.</summary>
    public Task<ExperimentOutcome> RunAsync(CorpusSplits corpus, CancellationToken ct = default) =>
        TrainingThread.Run(() => Run(corpus, ct), ct);

    /// <inheritdoc cref="RunAsync(CorpusSplits, CancellationToken)"/>
    public ExperimentOutcome Run(CorpusSplits corpus, CancellationToken ct = default)
    {
        var steps = new LanguageSteps(this, corpus);
        return RunSteps((step, device, results) => step.Kind == StepKind.Train
            ? steps.Train(step, device, results, ct)
            : steps.Ensemble(step, device, results), ct);
    }

    ExperimentOutcome RunSteps(Func<PlanStep, Device, IReadOnlyDictionary<string, ModelResult>, ModelResult> execute, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "spec.json"), SpecJson.Write(Spec));
        var device = DeviceChoice.Resolve(Spec.Device);
        var results = new Dictionary<string, ModelResult>();
        var failed = new List<string>();
        var status = TrainingStatus.Completed;
        string? reason = null;
        for (int i = 0; i < Plan.Steps.Count; i++)
        {
            var step = Plan.Steps[i];
            if (ReadFinished(step) is { } done)
            {
                results[step.Key] = done;
                Raise(new StepFinished(Spec.Name, step, done, Reused: true));
                continue;
            }
            if (ct.IsCancellationRequested) { status = TrainingStatus.Cancelled; reason = "cancelled"; break; }
            var blockers = Dependencies(step).Where(d => !results.TryGetValue(d, out var r) || r.Status != TrainingStatus.Completed).ToList();
            if (blockers.Count > 0)
            {
                Log($"{step.Key} skipped: it depends on {string.Join(", ", blockers)}, which did not finish");
                continue;
            }
            Raise(new StepStarted(Spec.Name, step, i, Plan.Steps.Count));
            ModelResult result;
            try
            {
                result = execute(step, device, results);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Out of memory, a disk that refuses the checkpoint, a TorchSharp error: the step fails
                // with its reason, what finished before stays, and the steps that do not depend on it go on.
                result = Failed(step, $"{e.GetType().Name}: {e.Message}");
            }
            results[step.Key] = result;
            if (result.Status == TrainingStatus.Completed) WriteFinished(step, result);
            Raise(new StepFinished(Spec.Name, step, result, Reused: false));
            WriteSummaries(results.Values);
            if (result.Status == TrainingStatus.Cancelled) { status = TrainingStatus.Cancelled; reason = result.Reason; break; }
            if (result.Status == TrainingStatus.Failed)
            {
                failed.Add($"{step.Key}: {result.Reason}");
                Log($"{step.Key} failed: {result.Reason}");
            }
        }
        if (status == TrainingStatus.Completed && failed.Count > 0) { status = TrainingStatus.Failed; reason = string.Join("; ", failed); }
        var ordered = Plan.Steps.Where(s => results.ContainsKey(s.Key)).Select(s => results[s.Key]).ToList();
        WriteSummaries(ordered);
        Raise(new ExperimentFinished(Spec.Name, status, reason, ordered));
        return new ExperimentOutcome(status, reason, ordered);
    }

    static IEnumerable<string> Dependencies(PlanStep step) =>
        step.TeacherKey is { } t ? step.Members.Append(t) : step.Members;

    ModelResult TrainStep(PlanStep step, ImageSplits data, Device device, IReadOnlyDictionary<string, ModelResult> results, CancellationToken ct)
    {
        var teacherStep = step.TeacherKey is null ? null : Plan.Steps.Single(s => s.Key == step.TeacherKey);
        using var teacher = teacherStep is null ? null : LoadTrained(teacherStep, data.Shape);
        manual_seed(step.ModelSeed); // dropout draws from the global generator
        using var model = step.Model!.Build(data.Shape, step.ModelSeed);
        if (teacher is not null && CrossArchitecture.SharesLayers(teacherStep!.Model!, step.Model!))
        {
            model.CopyAndFreezeStemAndClassifier(teacher);
            Log($"{step.Key}: shares conv1 and fc-output with {teacherStep.Key}, frozen (section 3.4)");
        }
        var objective = Objective.Create(step.Objective, step.ModelSeed, UsesTemperature(step.Objective) ? Spec.Temperature : 1);
        try
        {
            var trainer = new Trainer(new TrainerOptions
            {
                // A baseline loads its teacher only for the shared layers: no teacher forward passes for a label loss.
                Model = model, Teacher = objective.NeedsTeacher ? teacher : null, Objective = objective, Data = data, Schedule = Spec.Schedule,
                Seed = step.ModelSeed, Device = device, Fingerprint = _fingerprints[step.Key],
                CheckpointDirectory = Path.Combine(_directory, step.Folder),
            });
            trainer.Resumed += epochs => Log($"{step.Key}: resuming after epoch {epochs}");
            trainer.Notice += message => Log($"{step.Key}: {message}");
            trainer.EpochCompleted += m => Raise(new StepEpochCompleted(Spec.Name, step, m));
            trainer.BatchCompleted += p => Raise(new StepBatchProgress(Spec.Name, step, p));
            var r = trainer.Run(ct);
            var (final, best) = (r.Reportable.LastOrDefault(), r.Reportable.MinBy(m => m.TestError));
            return new ModelResult
            {
                Key = step.Key, Column = step.Column, Seed = step.Seed, Generation = step.Generation,
                Model = step.Model!.DisplayName, Objective = Objective.NameOf(step.Objective), TeacherKey = step.TeacherKey,
                Status = r.Status, Reason = r.Reason,
                FinalTestError = final?.TestError, BestTestError = best?.TestError, BestEpoch = best?.Epoch,
                FinalTestLoss = final?.TestLoss, FinalTestTop5Error = final?.TestTop5Error,
                Parameters = r.Parameters, Epochs = r.History.Count, WallSeconds = r.WallSeconds,
                TeacherFinalTestError = TeacherError(step, results), Fingerprint = _fingerprints[step.Key],
            };
        }
        finally
        {
            (objective as IDisposable)?.Dispose();
        }
    }

    ModelResult EnsembleStep(PlanStep step, ImageSplits data, Device device, IReadOnlyDictionary<string, ModelResult> results)
    {
        var clock = Stopwatch.StartNew();
        var members = step.Members.Select(k => LoadTrained(Plan.Steps.Single(s => s.Key == k), data.Shape)).ToList();
        try
        {
            var score = Ensemble.Evaluate(members, data, device);
            var teacherKey = Plan.Steps.First(s => s.Seed == step.Seed && s.Column == ExperimentPlan.TeacherColumn).Key;
            return new ModelResult
            {
                Key = step.Key, Column = step.Column, Seed = step.Seed, Generation = step.Generation,
                Model = $"ensemble of {string.Join(" + ", step.Members.Select(m => results[m].Column))}",
                Objective = "softmax average (Eq. 4)", Members = step.Members, TeacherKey = teacherKey,
                Status = TrainingStatus.Completed,
                FinalTestError = score.Error, BestTestError = null, FinalTestLoss = score.Loss, FinalTestTop5Error = score.Top5Error,
                Parameters = step.Members.Sum(m => results[m].Parameters), Epochs = 0, WallSeconds = clock.Elapsed.TotalSeconds,
                TeacherFinalTestError = results[teacherKey].FinalTestError, Fingerprint = _fingerprints[step.Key],
            };
        }
        finally
        {
            foreach (var m in members) m.Dispose();
        }
    }

    internal static double? TeacherError(PlanStep step, IReadOnlyDictionary<string, ModelResult> results)
    {
        // Improvement is measured against the original teacher of the seed, as in the paper's tables.
        var teacher = results.Values.FirstOrDefault(r => r.Seed == step.Seed && r.Column == ExperimentPlan.TeacherColumn);
        return step.Column == ExperimentPlan.TeacherColumn ? null : teacher?.FinalTestError;
    }

    internal static bool UsesTemperature(ObjectiveKind kind) => kind is ObjectiveKind.Ban or ObjectiveKind.BanPlusLabel or ObjectiveKind.Dkpp;

    BanModel LoadTrained(PlanStep step, DataShape shape)
    {
        var model = step.Model!.Build(shape);
        Checkpoint.LoadWeights(Path.Combine(_directory, step.Folder, Checkpoint.FileName), model);
        foreach (var p in model.parameters()) p.requires_grad = false;
        return model;
    }

    ModelResult? ReadFinished(PlanStep step)
    {
        string path = Path.Combine(_directory, step.Folder, ResultFile);
        if (!File.Exists(path)) return null;
        var result = JsonSerializer.Deserialize<ModelResult>(File.ReadAllText(path), SpecJson.Options);
        if (result is null || result.Status != TrainingStatus.Completed) return null;
        if (result.Fingerprint != _fingerprints[step.Key])
        {
            Log($"{step.Key}: the finished result on disk was made with another configuration; training again");
            return null;
        }
        return result;
    }

    void WriteFinished(PlanStep step, ModelResult result)
    {
        string folder = Path.Combine(_directory, step.Folder);
        System.IO.Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, ResultFile);
        File.WriteAllText(path + ".tmp", SpecJson.Write(result));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    void WriteSummaries(IEnumerable<ModelResult> results)
    {
        var list = results.ToList();
        File.WriteAllText(Path.Combine(_directory, "results.json"), SpecJson.Write(list));
        ResultsCsv.Write(Path.Combine(_directory, "results.csv"), list);
    }

    ModelResult Failed(PlanStep step, string reason) => new()
    {
        Key = step.Key, Column = step.Column, Seed = step.Seed, Generation = step.Generation,
        Model = step.Model?.DisplayName ?? "ensemble", Objective = Objective.NameOf(step.Objective),
        Status = TrainingStatus.Failed, Reason = reason, Fingerprint = _fingerprints[step.Key],
    };

    /// <summary>Every step's <see cref="FingerprintOf"/>, in plan order (a step's teacher and members come before it).</summary>
    public static IReadOnlyDictionary<string, string> Fingerprints(ExperimentPlan plan)
    {
        var spec = plan.Spec;
        var fingerprints = new Dictionary<string, string>();
        foreach (var step in plan.Steps)
        {
            // Chained: a step's fingerprint includes its teacher's and its members', so changing a teacher
            // invalidates everything that learned from it.
            var parts = new
            {
                spec.Dataset, Model = step.Model, Objective = step.Objective.ToString(), spec.Schedule, step.ModelSeed,
                Temperature = UsesTemperature(step.Objective) ? spec.Temperature : 1,
                Teacher = step.TeacherKey is null ? null : fingerprints[step.TeacherKey],
                Members = step.Members.Select(m => fingerprints[m]).ToArray(),
            };
            var json = JsonSerializer.Serialize(parts, SpecJson.Options);
            fingerprints[step.Key] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];
        }
        return fingerprints;
    }

    /// <summary>
    /// The configuration hash of a step (what reuse and resume compare; stored with its results and checkpoints): the
    /// dataset, model, objective, schedule, seed and temperature, chained through its teacher and ensemble members.
    /// </summary>
    public string FingerprintOf(string key) => _fingerprints[key];

    internal void Log(string message) => Raise(new ExperimentLog(Spec.Name, message));

    internal void Raise(ExperimentEvent e) => Event?.Invoke(e);
}
