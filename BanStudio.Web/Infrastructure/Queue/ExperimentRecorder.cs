using System.Collections.Concurrent;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Infrastructure.Queue;

/// <summary>
/// Writes a running experiment's events to the database as they happen, so a page opened mid-run, or
/// after a crash, shows everything that finished. Called on the training thread; each write is a few
/// rows in its own short context. Besides runs and epochs it keeps the log a person reads: steps started
/// and finished, the runner's messages, failures with their reasons, and how the experiment ended.
/// </summary>
public sealed class ExperimentRecorder(IDbContextFactory<StudioDb> dbFactory, TimeProvider clock)
{
    // The runner logs "KEY failed: REASON" right after the step's StepFinished, which is already stored as
    // an error with the same words: remembered per experiment so the log panel shows it once.
    readonly ConcurrentDictionary<int, string> _lastFailure = new();

    public void Record(int experimentId, ExperimentPlan plan, string folder, ExperimentEvent e)
    {
        switch (e)
        {
            case StepStarted s:
                Upsert(experimentId, plan, folder, s.Step, run =>
                {
                    run.Status = RunStatus.Running;
                    run.Reason = null;
                });
                Log(experimentId, LogSeverity.Info, s.Step.Key, StepText.Started(s));
                break;
            case StepFinished f:
                Upsert(experimentId, plan, folder, f.Step, run => Apply(run, f.Result));
                if (f.Step.Kind == StepKind.Train) RestoreMissingEpochs(experimentId, folder, f.Step);
                var severity = f.Result.Status switch
                {
                    TrainingStatus.Completed => LogSeverity.Info,
                    TrainingStatus.Cancelled => LogSeverity.Warning,
                    _ => LogSeverity.Error,
                };
                if (severity == LogSeverity.Error) _lastFailure[experimentId] = $"{f.Step.Key} failed: {f.Result.Reason}";
                Log(experimentId, severity, f.Step.Key, StepText.Finished(f));
                break;
            case StepEpochCompleted m:
                RecordEpoch(experimentId, plan, folder, m);
                break;
            case ExperimentLog l:
                if (_lastFailure.TryGetValue(experimentId, out var failure) && failure == l.Message) break;
                Log(experimentId, LogSeverity.Info, null, l.Message);
                break;
        }
    }

    /// <summary>How the experiment ended, with its reason: the last line of its log.</summary>
    public void RecordEnd(ExperimentEnded end)
    {
        _lastFailure.TryRemove(end.ExperimentId, out _);
        var severity = end.Status switch
        {
            ExperimentStatus.Completed => LogSeverity.Info,
            ExperimentStatus.Failed => LogSeverity.Error,
            _ => LogSeverity.Warning,
        };
        Log(end.ExperimentId, severity, null, $"experiment {Words.Of(end.Status)}{(end.Reason is null ? "" : ": " + end.Reason)}");
    }

    void Log(int experimentId, LogSeverity severity, string? runKey, string message)
    {
        using var db = dbFactory.CreateDbContext();
        db.LogEntries.Add(new LogEntry { ExperimentId = experimentId, At = clock.GetUtcNow(), Severity = severity, RunKey = runKey, Message = message });
        db.SaveChanges();
    }

    void RecordEpoch(int experimentId, ExperimentPlan plan, string folder, StepEpochCompleted m)
    {
        using var db = dbFactory.CreateDbContext();
        var run = db.Runs.SingleOrDefault(r => r.ExperimentId == experimentId && r.Key == m.Step.Key)
                  ?? Add(db, experimentId, plan, folder, m.Step);
        var metric = run.Id == 0 ? null : db.EpochMetrics.SingleOrDefault(x => x.RunId == run.Id && x.Epoch == m.Metrics.Epoch);
        if (metric is null) run.EpochMetrics.Add(metric = new EpochMetric { Epoch = m.Metrics.Epoch });
        Copy(m.Metrics, metric);
        db.SaveChanges();
    }

    /// <summary>
    /// A process killed between writing an epoch's checkpoint and writing its row loses the row, and the resumed
    /// run does not train that epoch again. The checkpoint's history holds every epoch it contains, so once the
    /// step ends (trained, failed or reused) any epoch missing from the database is restored from it.
    /// </summary>
    void RestoreMissingEpochs(int experimentId, string folder, PlanStep step)
    {
        var header = Checkpoint.ReadHeader(Path.Combine(folder, step.Folder, Checkpoint.FileName));
        if (header is null) return;
        using var db = dbFactory.CreateDbContext();
        var run = db.Runs.Include(r => r.EpochMetrics).SingleOrDefault(r => r.ExperimentId == experimentId && r.Key == step.Key);
        if (run is null) return;
        var stored = run.EpochMetrics.Select(m => m.Epoch).ToHashSet();
        foreach (var missing in header.History.Where(h => !stored.Contains(h.Epoch)))
        {
            var metric = new EpochMetric { Epoch = missing.Epoch };
            Copy(missing, metric);
            run.EpochMetrics.Add(metric);
        }
        db.SaveChanges();
    }

    static void Copy(EpochMetrics from, EpochMetric to)
    {
        to.TrainLoss = from.TrainLoss;
        to.TrainError = from.TrainError;
        to.TestLoss = from.TestLoss;
        to.TestError = from.TestError;
        to.TestTop5Error = from.TestTop5Error;
        to.LearningRate = from.LearningRate;
        to.Seconds = from.Seconds;
        to.ImagesPerSecond = from.ImagesPerSecond;
        to.ValidLoss = from.ValidLoss;
    }

    void Upsert(int experimentId, ExperimentPlan plan, string folder, PlanStep step, Action<Run> update)
    {
        using var db = dbFactory.CreateDbContext();
        var run = db.Runs.SingleOrDefault(r => r.ExperimentId == experimentId && r.Key == step.Key)
                  ?? Add(db, experimentId, plan, folder, step);
        update(run);
        db.SaveChanges();
    }

    static Run Add(StudioDb db, int experimentId, ExperimentPlan plan, string folder, PlanStep step)
    {
        var run = new Run
        {
            ExperimentId = experimentId,
            StepIndex = IndexOf(plan, step),
            Key = step.Key,
            IsEnsemble = step.Kind == StepKind.Ensemble,
            Column = step.Column,
            Seed = step.Seed,
            Generation = step.Generation,
            Model = step.Model?.DisplayName ?? "ensemble",
            Objective = step.Kind == StepKind.Ensemble ? "softmax average (Eq. 4)" : Training.Objectives.Objective.NameOf(step.Objective),
            TeacherKey = step.TeacherKey,
            Members = string.Join(",", step.Members),
            CheckpointPath = step.Kind == StepKind.Train ? Path.Combine(folder, step.Folder, Checkpoint.FileName) : null,
            Status = RunStatus.Running,
        };
        db.Runs.Add(run);
        return run;
    }

    static int IndexOf(ExperimentPlan plan, PlanStep step)
    {
        for (int i = 0; i < plan.Steps.Count; i++)
            if (plan.Steps[i].Key == step.Key) return i;
        return plan.Steps.Count;
    }

    static void Apply(Run run, ModelResult r)
    {
        run.Model = r.Model;
        run.Objective = r.Objective;
        run.TeacherKey = r.TeacherKey;
        run.Members = string.Join(",", r.Members);
        run.Status = r.Status switch
        {
            TrainingStatus.Completed => RunStatus.Completed,
            TrainingStatus.Cancelled => RunStatus.Cancelled,
            _ => RunStatus.Failed,
        };
        run.Reason = r.Reason;
        run.FinalTestError = r.FinalTestError;
        run.BestTestError = r.BestTestError;
        run.BestEpoch = r.BestEpoch;
        run.FinalTestLoss = r.FinalTestLoss;
        run.FinalTestTop5Error = r.FinalTestTop5Error;
        run.FinalValidLoss = r.FinalValidLoss;
        run.Parameters = r.Parameters;
        run.Epochs = r.Epochs;
        run.WallSeconds = r.WallSeconds;
        run.TeacherFinalTestError = r.TeacherFinalTestError;
        run.ImprovementOverTeacher = r.ImprovementOverTeacher;
        run.Fingerprint = r.Fingerprint;
    }

    /// <summary>The runner's view of a stored run, for results.csv: the same record it wrote to results.json.</summary>
    public static ModelResult? ToModelResult(Run run) => run.Status switch
    {
        RunStatus.Running => null,
        _ => new ModelResult
        {
            Key = run.Key, Column = run.Column, Seed = run.Seed, Generation = run.Generation, Model = run.Model,
            Objective = run.Objective, TeacherKey = run.TeacherKey,
            Members = run.Members.Length == 0 ? [] : run.Members.Split(','),
            // An interrupted run stopped like a cancelled one; its reason says which.
            Status = run.Status switch
            {
                RunStatus.Completed => TrainingStatus.Completed,
                RunStatus.Failed => TrainingStatus.Failed,
                _ => TrainingStatus.Cancelled,
            },
            Reason = run.Reason, FinalTestError = run.FinalTestError, BestTestError = run.BestTestError, BestEpoch = run.BestEpoch,
            FinalTestLoss = run.FinalTestLoss, FinalTestTop5Error = run.FinalTestTop5Error,
            FinalValidLoss = run.FinalValidLoss, Parameters = run.Parameters,
            Epochs = run.Epochs, WallSeconds = run.WallSeconds, TeacherFinalTestError = run.TeacherFinalTestError,
            Fingerprint = run.Fingerprint,
        },
    };
}
