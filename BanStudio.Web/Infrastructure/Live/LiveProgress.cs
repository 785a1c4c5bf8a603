using BanStudio.Training.Experiments;
using BanStudio.Training.Training;

namespace BanStudio.Web.Infrastructure.Live;

/// <summary>Where an experiment stands; the ETAs are null until a batch has been timed.</summary>
public sealed record ProgressSnapshot(
    int DoneSteps, int TotalSteps, string? CurrentKey, string? CurrentColumn,
    int EpochsDone, int Epochs, int Batch, int Batches, TimeSpan? ModelEta, TimeSpan? PlanEta,
    double? PerSecond = null)
{
    /// <summary>"1,234 words/s": the last batch report's (or epoch's) training throughput in <paramref name="unit"/>.</summary>
    public string Throughput(string unit) => PerSecond is { } r ? $"{r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} {unit}" : "";

    public static string Format(TimeSpan? eta) => eta switch
    {
        null => "estimating…",
        { TotalHours: >= 1 } t => $"{(int)t.TotalHours} h {t.Minutes} min",
        { TotalMinutes: >= 1 } t => $"{t.Minutes} min {t.Seconds} s",
        { } t => $"{Math.Max(0, (int)Math.Ceiling(t.TotalSeconds))} s",
    };
}

/// <summary>
/// Folds one experiment's events into its progress and an ETA, for the pages. The ETA is the throughput of
/// the last batch report (images a second) applied to what is left: the rest of this model's epochs, then
/// every trained step not yet done at the same cost (ensembles cost next to nothing). Without batch reports
/// (a run the CLI trains in another process is followed through its stored epochs) the last epoch's
/// duration stands in. Safe to feed from the training thread while a page reads it.
/// </summary>
public sealed class LiveProgress
{
    readonly Lock _gate = new();
    readonly ExperimentPlan _plan;
    readonly HashSet<string> _done;
    PlanStep? _current;
    int _epochsDone;
    double? _epochSeconds;
    BatchProgress? _batch;
    double? _epochPerSecond;

    /// <param name="plan">The experiment's plan.</param>
    /// <param name="doneKeys">Steps already finished (completed or failed) when the page opened.</param>
    public LiveProgress(ExperimentPlan plan, IEnumerable<string> doneKeys)
    {
        _plan = plan;
        _done = [.. doneKeys];
    }

    public int Epochs => _plan.Spec.Schedule.Epochs;

    public void Apply(ExperimentEvent e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case StepStarted s:
                    _current = s.Step;
                    _epochsDone = 0;
                    _batch = null;
                    break;
                case StepEpochCompleted m:
                    _current ??= m.Step;
                    _epochsDone = m.Metrics.Epoch;
                    _epochSeconds = m.Metrics.Seconds;
                    _epochPerSecond = m.Metrics.ImagesPerSecond;
                    break;
                case StepBatchProgress p:
                    _current ??= p.Step;
                    _batch = p.Progress;
                    _epochsDone = Math.Max(_epochsDone, p.Progress.Epoch - 1);
                    break;
                case StepFinished f:
                    if (f.Result.Status is TrainingStatus.Completed or TrainingStatus.Failed) _done.Add(f.Step.Key);
                    if (_current?.Key == f.Step.Key) _current = null;
                    break;
                case ExperimentFinished or ExperimentEnded:
                    _current = null;
                    _batch = null;
                    break;
            }
        }
    }

    public ProgressSnapshot Snapshot()
    {
        lock (_gate)
        {
            int batches = _batch?.Batches ?? 0;
            TimeSpan? modelEta = null, planEta = null;
            if (_batch is { ImagesPerSecond: > 0 } b && _current is not null)
            {
                double secondsPerBatch = SamplesPerBatch / b.ImagesPerSecond;
                double left = (b.Batches - b.Batch + (double)(Epochs - b.Epoch) * b.Batches) * secondsPerBatch;
                int trainingsLeft = _plan.Steps.Count(s => s.Kind == StepKind.Train && !_done.Contains(s.Key) && s.Key != _current.Key);
                modelEta = TimeSpan.FromSeconds(Math.Max(0, left));
                planEta = TimeSpan.FromSeconds(Math.Max(0, left + trainingsLeft * Epochs * b.Batches * secondsPerBatch));
            }
            else if (_epochSeconds is { } perEpoch && _current is not null)
            {
                int trainingsLeft = _plan.Steps.Count(s => s.Kind == StepKind.Train && !_done.Contains(s.Key) && s.Key != _current.Key);
                double left = (Epochs - _epochsDone) * perEpoch;
                modelEta = TimeSpan.FromSeconds(Math.Max(0, left));
                planEta = TimeSpan.FromSeconds(Math.Max(0, left + trainingsLeft * Epochs * perEpoch));
            }
            return new ProgressSnapshot(_done.Count, _plan.Steps.Count, _current?.Key, _current?.Column,
                _epochsDone, Epochs, _batch?.Batch ?? 0, batches, modelEta, planEta,
                _batch is { ImagesPerSecond: > 0 } last ? last.ImagesPerSecond : _epochPerSecond);
        }
    }

    // A language model's batch is batchSize streams of one BPTT window (the sequence trainer's 35 steps), and its
    // throughput counts words.
    const int BpttSteps = 35;
    double SamplesPerBatch => _plan.Spec.Schedule.BatchSize * (_plan.Spec.Dataset.IsText ? BpttSteps : 1);
}
