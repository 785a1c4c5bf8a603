using System.Globalization;
using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace BanStudio.Web.Features.Compare;

/// <summary>One stored experiment as the comparison reads it: its spec as submitted and its runs.</summary>
public sealed record ComparedExperiment(int Id, string Name, string SpecJson, IReadOnlyList<Run> Runs);

/// <summary>
/// Groups the runs of several experiments by configuration and summarises each column over seeds. Only completed
/// runs enter the numbers; the rest are counted so a partial experiment says what it still lacks.
/// </summary>
public static class ComparisonBuilder
{
    /// <summary>The chosen experiments from the store; ids that do not exist come back in Missing.</summary>
    /// <param name="against">The column Δ and the p-values compare each model with: the teacher, or e.g. Table 5's Baseline.</param>
    /// <param name="imageMetric">What image rows compare (test error when null); language rows always compare perplexity.</param>
    public static async Task<(Comparison Comparison, IReadOnlyList<int> Missing)> LoadAsync(StudioDb db, IReadOnlyList<int> ids, CancellationToken ct,
        string against = ExperimentPlan.TeacherColumn, ComparisonMetric? imageMetric = null)
    {
        var experiments = await db.Experiments.AsNoTracking().Where(e => ids.Contains(e.Id)).Include(e => e.Runs)
            .OrderBy(e => e.Id).ToListAsync(ct);
        var missing = ids.Except(experiments.Select(e => e.Id)).ToList();
        var compared = experiments.Select(e => new ComparedExperiment(e.Id, e.Name, e.SpecJson, e.Runs.OrderBy(r => r.StepIndex).ToList())).ToList();
        return (Build(compared, against, imageMetric), missing);
    }

    public static Comparison Build(IReadOnlyList<ComparedExperiment> experiments, string against = ExperimentPlan.TeacherColumn,
        ComparisonMetric? imageMetric = null)
    {
        imageMetric ??= ComparisonMetric.TestError;
        var notes = new List<string>();
        var groups = new List<(string Key, ExperimentSpec Spec, List<ComparedExperiment> Experiments)>();
        foreach (var e in experiments.OrderBy(e => e.Id))
        {
            ExperimentSpec spec;
            try { spec = SpecJson.Parse<ExperimentSpec>(e.SpecJson, "experiment spec"); }
            catch (SpecValidationException ex)
            {
                notes.Add($"experiment {e.Id} ({e.Name}) is left out: its stored spec cannot be read ({ex.Errors[0].Field}: {ex.Errors[0].Message})");
                continue;
            }
            string key = ConfigurationKey(spec);
            int at = groups.FindIndex(g => g.Key == key);
            if (at < 0) groups.Add((key, spec, [e]));
            else groups[at].Experiments.Add(e);
        }

        var rows = Distinguish(groups.Select((g, i) => BuildRow(i, g.Spec, g.Experiments, against, imageMetric)).ToList(), groups.Select(g => g.Key).ToList());
        var columns = rows.SelectMany(r => r.Cells.Select(c => c.Column)).Distinct()
            .OrderBy(ExperimentPlan.ColumnOrder).ThenBy(c => c, StringComparer.Ordinal).ToList();
        return new Comparison(experiments.Select(e => e.Id).Order().ToList(), columns, rows, notes, against, imageMetric.Key);
    }

    /// <summary>
    /// Two experiments are one configuration when their specs agree on everything that changes a trained model:
    /// name, seeds and device do not; nor do how many generations, which treatments and whether ensembles were
    /// asked for (BAN-1 of a 2-generation and of a 3-generation plan are trained alike); nor where the data lives; nor
    /// <see cref="ExperimentSpec.SharedStart"/>, which only picks the treatments' seeds (a shared-start Baseline is the
    /// very model a separate Baseline spec trains, and either pairs with BAN-1 by seed and teacher).
    /// </summary>
    public static string ConfigurationKey(ExperimentSpec spec) => SpecJson.Write(spec with
    {
        Name = "", Seeds = [], Device = "", Generations = 0, Treatments = [], Ensembles = false, SharedStart = false,
        Student = spec.IsCrossArchitecture ? spec.Student : null,
        Dataset = spec.Dataset with { Path = null },
    });

    static ComparisonRow BuildRow(int index, ExperimentSpec spec, List<ComparedExperiment> experiments, string against, ComparisonMetric imageMetric)
    {
        var metric = ComparisonMetric.For(spec, imageMetric);
        var paper = PaperResults.Find(spec) is { } p && p.MetricKey == metric.PaperKey ? p : null;
        var all = experiments.SelectMany(e => e.Runs.Select(r => (Experiment: e.Id, Run: r))).ToList();
        // A model that a later experiment reused from the same folder (same checkpoint file, same configuration
        // fingerprint: a Baseline spec run beside its BAN spec, as Table 5 is) is one model: it counts once, in the
        // first experiment that has it, not once per experiment that lists it.
        var checkpoints = all.Where(x => x.Run.CheckpointPath is not null).ToDictionary(x => (x.Experiment, x.Run.Key), x => x.Run.CheckpointPath!);
        string? Identity((int Experiment, Run Run) x) => ModelIdentity(x.Run,
            x.Run.Members.Split(',', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } member ? checkpoints.GetValueOrDefault((x.Experiment, member)) : null);
        var counted = new HashSet<string>();
        var runs = all.Where(x => Identity(x) is not { } model || counted.Add(model)).ToList();
        // What pairs a student with its reference: the same seed under the same teacher model. Experiments that
        // share their teachers' checkpoints pair across each other (BAN-1 of one, Baseline of the other); any other
        // experiment pairs only within itself.
        var teacherModel = all.Where(x => x.Run.Column == ExperimentPlan.TeacherColumn)
            .GroupBy(x => (x.Experiment, x.Run.Seed))
            .ToDictionary(g => g.Key, g => Identity(g.First()));
        string Lineage(SeedResult r) => teacherModel.GetValueOrDefault((r.ExperimentId, r.Seed)) ?? $"experiment {r.ExperimentId}";

        var byKey = runs.ToDictionary(x => (x.Experiment, x.Run.Key), x => x.Run);
        SeedResult? Finished((int Experiment, Run Run) x) =>
            x.Run.Status == RunStatus.Completed && metric.Final(x.Run) is { } final
                ? new SeedResult(x.Experiment, x.Run.Key, x.Run.Seed, final, x.Run.IsEnsemble ? null : metric.Best(x.Run), x.Run.BestEpoch)
                : null;

        var byColumn = runs.GroupBy(x => x.Run.Column).ToDictionary(g => g.Key, g => g.ToList());
        // The reference every other cell is compared with: the teacher unless another column was chosen.
        var reference = byColumn.GetValueOrDefault(against, []).Select(Finished).OfType<SeedResult>().ToList();
        var cells = byColumn.OrderBy(g => ExperimentPlan.ColumnOrder(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var finished = g.Value.Select(Finished).OfType<SeedResult>().ToList();
            bool isReference = g.Key == against;
            return new ComparisonCell(
                g.Key, finished,
                Summarise(finished, reference, r => r.Final, isReference, against, Lineage),
                Summarise(finished, reference, r => r.Best, isReference, against, Lineage),
                Unfinished: g.Value.Count(x => x.Run.Status is RunStatus.Running or RunStatus.Interrupted or RunStatus.Cancelled),
                Failed: g.Value.Count(x => x.Run.Status == RunStatus.Failed),
                Paper: paper?.Numbers.GetValueOrDefault(g.Key),
                Valid: metric.Valid is { } valid
                    ? Summarise(finished, reference, r => valid(byKey[(r.ExperimentId, r.RunKey)]), isReference, against, Lineage)
                    : null,
                PaperValid: paper?.Valid?.GetValueOrDefault(g.Key));
        }).ToList();
        cells = MarkBest(cells);

        var notes = new List<string>();
        foreach (var repeated in runs.Where(x => x.Run.Column == ExperimentPlan.TeacherColumn).GroupBy(x => x.Run.Seed).Where(g => g.Count() > 1))
            notes.Add($"seed {repeated.Key} was run in experiments {string.Join(", ", repeated.Select(x => x.Experiment))}: " +
                      "each run counts in n, though a rerun with the same seed is not an independent sample");

        string student = spec.IsCrossArchitecture ? spec.StudentModel.DisplayName : "";
        string network = spec.IsCrossArchitecture ? $"{spec.Teacher.DisplayName} → {student}" : spec.Teacher.DisplayName;
        return new ComparisonRow(
            index, $"{network} · {spec.Dataset.DisplayName}", spec.Dataset.DisplayName, spec.Teacher.DisplayName,
            spec.IsCrossArchitecture ? student : null, Describe(spec), spec.Schedule.Epochs, spec.EnsembleIncludesTeacher,
            metric.Key, metric.Label, metric.Unit,
            experiments.Select(e => e.Id).ToList(), runs.Select(x => x.Run.Seed).Distinct().Order().ToList(),
            cells, paper, notes,
            Parameters: runs.FirstOrDefault(x => x.Run.Column == ExperimentPlan.TeacherColumn && x.Run.Parameters > 0).Run?.Parameters,
            HasValidation: metric.HasValidation);
    }

    /// <summary>
    /// Mean ± std of the cell's seeds in one view; beside the reference column (the teacher by default), Welch's test
    /// of the two groups and the paired test of each seed against the reference of its own seed and teacher model (for
    /// the teacher: the one it learnt from; for the Baseline: the one trained beside it, in its experiment or in one
    /// that shares its teachers' checkpoints).
    /// </summary>
    /// <param name="lineage">Which teacher model a result descends from: a result pairs with the reference of its own seed and lineage.</param>
    static CellSummary? Summarise(List<SeedResult> cell, List<SeedResult> teacherCell, Func<SeedResult, double?> view, bool isTeacher, string against,
        Func<SeedResult, string> lineage)
    {
        var values = cell.Select(view).OfType<double>().ToList();
        if (values.Count == 0) return null;
        double mean = Statistics.Mean(values);
        double? std = values.Count >= 2 ? Statistics.StandardDeviation(values) : null;
        if (isTeacher) return new(mean, std, values.Count, null, null, null, null, null, null, false);

        var teacher = teacherCell.Select(view).OfType<double>().ToList();
        if (teacher.Count == 0)
            return new(mean, std, values.Count, null, null, null, null, 0, $"no p-value: this configuration has no finished {Named(against)} run", false,
                NoPairedReason: $"no paired p-value: this configuration has no finished {Named(against)} run");
        var significance = Statistics.Welch(teacher, values);
        var teacherOf = teacherCell.Where(t => view(t) is not null).GroupBy(t => (lineage(t), t.Seed)).ToDictionary(g => g.Key, g => view(g.First())!.Value);
        var pairs = cell.Where(r => view(r) is not null && teacherOf.ContainsKey((lineage(r), r.Seed)))
            .Select(r => (teacherOf[(lineage(r), r.Seed)], view(r)!.Value)).ToList();
        var paired = Statistics.Paired(pairs);
        return new(mean, std, values.Count, Statistics.Mean(teacher) - mean, significance.PValue, significance.Test?.T,
            significance.Test?.DegreesOfFreedom, teacher.Count, significance.Reason, false,
            paired.PValue, paired.Test?.T, pairs.Count, paired.Test?.MeanDifference, paired.Reason);
    }

    /// <summary>
    /// The model a finished run stands for: its checkpoint file with its configuration fingerprint (a step reused from
    /// that file has both); for an ensemble, which has no checkpoint, its first member's checkpoint with its own key and
    /// fingerprint (which chains its members'). Null for runs not finished and stores that kept neither.
    /// </summary>
    static string? ModelIdentity(Run run, string? firstMemberCheckpoint)
    {
        if (run.Status != RunStatus.Completed || run.Fingerprint.Length == 0) return null;
        if (run.CheckpointPath is { } path) return $"{path}|{run.Fingerprint}";
        return run.IsEnsemble && firstMemberCheckpoint is { } member ? $"{member}|{run.Key}|{run.Fingerprint}" : null;
    }

    /// <summary>"teacher" in running text; other columns by their names ("Baseline", "BAN-1").</summary>
    public static string Named(string column) => column == ExperimentPlan.TeacherColumn ? "teacher" : column;

    /// <summary>Whether <paramref name="column"/> is a column any plan can have: Teacher, Baseline, BAN, BAN+L, CWTM, DKPP, BAN-k, Ens*k.</summary>
    public static bool IsColumnName(string column) =>
        column is ExperimentPlan.TeacherColumn or ExperimentPlan.BaselineColumn or "BAN" or "BAN+L" or "CWTM" or "DKPP"
        || (column.Length > 4 && (column.StartsWith("BAN-", StringComparison.Ordinal) || column.StartsWith("Ens*", StringComparison.Ordinal))
            && int.TryParse(column[4..], System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k is >= 1 and <= 100);

    /// <summary>Marks, for each view (and the validation figures) separately, the cells with the row's lowest mean (every one of them on a tie).</summary>
    static List<ComparisonCell> MarkBest(List<ComparisonCell> cells)
    {
        double? bestFinal = cells.Select(c => c.Final?.Mean).Min();
        double? bestBest = cells.Select(c => c.Best?.Mean).Min();
        double? bestValid = cells.Select(c => c.Valid?.Mean).Min();
        return cells.Select(c => c with
        {
            Final = c.Final is { } f ? f with { BestInRow = f.Mean == bestFinal } : null,
            Best = c.Best is { } b ? b with { BestInRow = b.Mean == bestBest } : null,
            Valid = c.Valid is { } v ? v with { BestInRow = v.Mean == bestValid } : null,
        }).ToList();
    }

    /// <summary>
    /// Rows whose network, data and schedule read alike but are different configurations (another training-set
    /// size, a teacher's dropout, ...) get the spec fields that tell them apart appended to their schedule text, so
    /// that no two rows of the table, the CSV or the curves' legend look the same.
    /// </summary>
    static List<ComparisonRow> Distinguish(List<ComparisonRow> rows, IReadOnlyList<string> configurationKeys)
    {
        var fields = configurationKeys.Select(Flatten).ToList();
        return rows.Select((row, i) =>
        {
            var twins = rows.Select((other, j) => (other, j)).Where(x => x.other.Label == row.Label && x.other.Schedule == row.Schedule)
                .Select(x => fields[x.j]).ToList();
            if (twins.Count < 2) return row;
            var differing = twins.SelectMany(f => f.Keys).Distinct()
                .Where(field => twins.Select(f => f.GetValueOrDefault(field)).Distinct().Count() > 1)
                .Order(StringComparer.Ordinal)
                .Select(field => $"{field} {fields[i].GetValueOrDefault(field) ?? "unset"}");
            return row with { Schedule = $"{row.Schedule}; {string.Join(", ", differing)}" };
        }).ToList();
    }

    /// <summary>A spec's JSON as "path value" pairs: dataset.trainSize 1000, teacher.dropRate 0.3, seeds [1,2].</summary>
    static Dictionary<string, string> Flatten(string json)
    {
        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Walk(document.RootElement, "");
        return flat;

        void Walk(System.Text.Json.JsonElement element, string path)
        {
            if (element.ValueKind == System.Text.Json.JsonValueKind.Object)
                foreach (var property in element.EnumerateObject())
                    Walk(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}");
            else flat[path] = element.ValueKind == System.Text.Json.JsonValueKind.String ? element.GetString()! : element.GetRawText();
        }
    }

    static string Describe(ExperimentSpec spec)
    {
        var s = spec.Schedule;
        var parts = new List<string>
        {
            $"{s.Epochs} epochs", $"batch {s.BatchSize}", $"lr {F(s.LearningRate)} {ScheduleName(s.Schedule)}",
            $"wd {F(s.WeightDecay)}",
        };
        if (s.ClipGradNorm is { } clip) parts.Add($"clip {F(clip)}");
        if (s.TestBatchSize is { } testStreams) parts.Add($"test batch {testStreams}");
        if (spec.Temperature != 1) parts.Add($"T = {F(spec.Temperature)}");
        if (!string.Equals(spec.EffectiveGenerationObjective, "ban", StringComparison.OrdinalIgnoreCase)) parts.Add($"generations by {spec.GenerationObjective}");
        if (spec.EnsembleIncludesTeacher) parts.Add("ensembles include the teacher");
        return string.Join(", ", parts);

        static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);
        static string ScheduleName(Training.Training.LearningRateSchedule schedule) => schedule switch
        {
            Training.Training.LearningRateSchedule.Cosine => "cosine",
            Training.Training.LearningRateSchedule.Plateau => "on plateau",
            _ => "multi-step",
        };
    }
}
