using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;
using BanStudio.Training.Training;
using BanStudio.Web.Infrastructure.Data;

namespace BanStudio.Tests.Web.Compare;

/// <summary>
/// Experiments with results we chose, written to a real SQLite store, so every number a comparison shows can be
/// checked by hand. Errors are stored as fractions, as the recorder stores them, and read back in percent.
///
/// Row 0, WRN-10-1 on the built-in data (experiments 1 and 2 differ only by name, seeds and plan size):
///   column    seeds   final-epoch %          best-epoch %
///   Teacher   1,2,3   30, 32, 31 (31 ± 1)    29, 30, 31 (30 ± 1)
///   BAN       1,2     28.5, 29.5 (29)        27, 28 (27.5)
///   BAN+L     1       29 (seed 2 failed)     28
///   BAN-1     1,2,3   27, 28, 29 (28 ± 1)    26, 27, 25 (26 ± 1)   best of the row in the best-epoch view
///   BAN-2     1,2     26, 28 (27; seed 3 still training)   25.5, 27.5 (26.5)
///   Ens*2     1,2     25, 26 (25.5)          none: best of the row in the final-epoch view
/// Final test losses (nats): Teacher 1.00, 1.20, 1.10 (1.10 ± 0.10); BAN-1 0.90, 1.25, 1.00 (1.05; paired differences
/// 0.10, −0.05, 0.10, t = 1); Ens*2 1.40, 1.50, so by loss the ensemble is not the row's best; every other finished run
/// twice its error as a fraction (BAN-2 0.52, 0.56: the row's lowest loss, 0.54).
/// Row 1, DenseNet-90-60 on CIFAR-100 (experiment 3, seed 7): Table 2's configuration; Teacher 18 / 17.5, BAN-1 17 / 16.8.
/// Row 2, experiment 4: experiment 1's spec with another learning rate, so another configuration.
/// </summary>
public static class ComparisonData
{
    public static ExperimentSpec WrnSpec(string name, long[] seeds, int generations = 2, Treatment[]? treatments = null, double lr = 0.05) => new()
    {
        Name = name,
        Dataset = new DatasetSpec(DatasetKinds.Builtin, TrainSize: 300, TestSize: 100),
        Teacher = new WideResNetSpec(10, 1, DropRate: 0),
        Generations = generations,
        Treatments = treatments ?? [],
        Ensembles = true,
        Schedule = new TrainingSchedule { Epochs = 3, BatchSize = 50, LearningRate = lr },
        Seeds = seeds,
    };

    public static ExperimentSpec DenseNetSpec() => new()
    {
        Name = "densenet-90-60-cifar100",
        Dataset = new DatasetSpec(DatasetKinds.Cifar100),
        Teacher = ModelPresets.DenseNet90_60,
        Generations = 1,
        Ensembles = false,
        Seeds = [7],
        Device = "auto",
    };

    /// <summary>Writes experiments 1-4 (ids in that order into an empty store).</summary>
    public static void Seed(StudioDb db)
    {
        var e1 = Add(db, WrnSpec("wrn seeds 1 and 2", [1, 2], treatments: [Treatment.Ban, Treatment.BanPlusLabel]), ExperimentStatus.Failed);
        Run(e1, "seed-1/teacher", "Teacher", 1, 30, 29, epochs: [36, 29, 30], loss: 1.00);
        Run(e1, "seed-1/ban-1", "BAN-1", 1, 27, 26, epochs: [33, 26, 27], loss: 0.90);
        Run(e1, "seed-1/ban-2", "BAN-2", 1, 26, 25.5);
        Run(e1, "seed-1/ban", "BAN", 1, 28.5, 27);
        Run(e1, "seed-1/ban-plus-l", "BAN+L", 1, 29, 28);
        Run(e1, "seed-1/ens-2", "Ens*2", 1, 25, null, ensemble: true, loss: 1.40);
        Run(e1, "seed-2/teacher", "Teacher", 2, 32, 30, epochs: [40, 30, 32], loss: 1.20);
        Run(e1, "seed-2/ban-1", "BAN-1", 2, 28, 27, epochs: [35, 27, 28], loss: 1.25);
        Run(e1, "seed-2/ban-2", "BAN-2", 2, 28, 27.5);
        Run(e1, "seed-2/ban", "BAN", 2, 29.5, 28);
        Run(e1, "seed-2/ban-plus-l", "BAN+L", 2, null, null, RunStatus.Failed);
        Run(e1, "seed-2/ens-2", "Ens*2", 2, 26, null, ensemble: true, loss: 1.50);

        var e2 = Add(db, WrnSpec("wrn seed 3", [3]), ExperimentStatus.Running);
        Run(e2, "seed-3/teacher", "Teacher", 3, 31, 31, epochs: [38, 34, 31], loss: 1.10);
        Run(e2, "seed-3/ban-1", "BAN-1", 3, 29, 25, epochs: [31, 25, 29], loss: 1.00);
        Run(e2, "seed-3/ban-2", "BAN-2", 3, null, null, RunStatus.Running, epochs: [40]);

        var e3 = Add(db, DenseNetSpec(), ExperimentStatus.Completed);
        Run(e3, "seed-7/teacher", "Teacher", 7, 18, 17.5);
        Run(e3, "seed-7/ban-1", "BAN-1", 7, 17, 16.8);

        var e4 = Add(db, WrnSpec("wrn lr 0.01", [1], lr: 0.01), ExperimentStatus.Completed);
        Run(e4, "seed-1/teacher", "Teacher", 1, 40, 39);
        Run(e4, "seed-1/ban-1", "BAN-1", 1, 41, 40);
        Run(e4, "seed-1/ban-2", "BAN-2", 1, 39, 38);
        Run(e4, "seed-1/ens-2", "Ens*2", 1, 38.5, null, ensemble: true);

        db.SaveChanges();
    }

    static Experiment Add(StudioDb db, ExperimentSpec spec, ExperimentStatus status)
    {
        var e = new Experiment
        {
            Name = spec.Name, SpecJson = SpecJson.Write(spec), Status = status, CreatedAt = DateTimeOffset.UtcNow,
            TotalSteps = ExperimentPlan.Create(spec).Steps.Count,
        };
        db.Experiments.Add(e);
        return e;
    }

    /// <summary>
    /// A run with final and best test error in percent and its final test loss (twice the error fraction unless
    /// given); optional test errors (percent) for epochs 1, 2, ....
    /// </summary>
    static void Run(Experiment e, string key, string column, long seed, double? final, double? best,
        RunStatus status = RunStatus.Completed, bool ensemble = false, double[]? epochs = null, double? loss = null)
    {
        var run = new Run
        {
            StepIndex = e.Runs.Count, Key = key, Column = column, Seed = seed, IsEnsemble = ensemble,
            Generation = column.StartsWith("BAN-") ? int.Parse(column[4..]) : 1, Model = ensemble ? "ensemble" : "WRN-10-1",
            Objective = column == "Teacher" ? "label" : "ban", Status = status,
            FinalTestError = final / 100, BestTestError = best / 100, BestEpoch = best is null ? null : 2,
            FinalTestLoss = loss ?? final / 100 * 2,
            Epochs = epochs?.Length ?? 3,
        };
        for (int i = 0; i < (epochs?.Length ?? 0); i++)
            run.EpochMetrics.Add(new EpochMetric
            {
                Epoch = i + 1, TestError = epochs![i] / 100, TrainError = (epochs[i] - 5) / 100, TestLoss = 1.0 + i * 0.1 + seed,
                TrainLoss = 0.5 + seed / 10.0 + i, LearningRate = 0.05, Seconds = 1.5,
            });
        e.Runs.Add(run);
    }
}
