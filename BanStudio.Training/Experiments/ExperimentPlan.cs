using BanStudio.Training.Models;
using BanStudio.Training.Objectives;

namespace BanStudio.Training.Experiments;

public enum StepKind { Train, Ensemble }

/// <summary>
/// One step of a plan: a model to train (with its objective and the step it learns from) or an
/// ensemble to evaluate. <see cref="Column"/> is the model's column in the paper's Table 2.
/// </summary>
public sealed record PlanStep(
    string Key,
    StepKind Kind,
    string Column,
    long Seed,
    long ModelSeed,
    int Generation,
    ModelSpec? Model,
    ObjectiveKind Objective,
    string? TeacherKey,
    IReadOnlyList<string> Members)
{
    /// <summary>Folder of this step inside the experiment's folder, e.g. "seed-1/ban-2".</summary>
    public string Folder => Key;

    /// <summary>
    /// True when the step learns from <see cref="TeacherKey"/>'s outputs; false for a label-trained step, including a
    /// BAN-ResNet baseline, which takes its teacher's frozen conv1 and fc-output only.
    /// </summary>
    public bool LearnsFromTeacher => TeacherKey is not null && Objective != ObjectiveKind.Label;
}

/// <summary>The ordered list of trainings and ensemble evaluations an <see cref="ExperimentSpec"/> asks for.</summary>
public sealed class ExperimentPlan
{
    public const string TeacherColumn = "Teacher";
    /// <summary>The students' network trained from labels (Table 5's "Baseline").</summary>
    public const string BaselineColumn = "Baseline";

    ExperimentPlan(ExperimentSpec spec, IReadOnlyList<PlanStep> steps)
    {
        Spec = spec;
        Steps = steps;
    }

    public ExperimentSpec Spec { get; }
    public IReadOnlyList<PlanStep> Steps { get; }

    /// <summary>The columns of the paper's Table 2 this plan fills, in the paper's order.</summary>
    public IReadOnlyList<string> Columns => Steps.Select(s => s.Column).Distinct()
        .OrderBy(ColumnOrder).ToArray();

    public static string TreatmentColumn(Treatment t) => t switch
    {
        Treatment.Ban => "BAN",
        Treatment.BanPlusLabel => "BAN+L",
        Treatment.Cwtm => "CWTM",
        Treatment.Dkpp => "DKPP",
        Treatment.Baseline => BaselineColumn,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static string GenerationColumn(int generation) => $"BAN-{generation}";
    public static string EnsembleColumn(int size) => $"Ens*{size}";

    /// <summary>Teacher, Baseline, BAN, BAN+L, CWTM, DKPP, BAN-1..k, Ens*2..k: Table 2's order, with Table 5's Baseline before its BAN.</summary>
    public static int ColumnOrder(string column) => column switch
    {
        TeacherColumn => 0,
        BaselineColumn => 1,
        "BAN" => 2,
        "BAN+L" => 3,
        "CWTM" => 4,
        "DKPP" => 5,
        _ when column.StartsWith("BAN-", StringComparison.Ordinal) => 100 + int.Parse(column[4..]),
        _ when column.StartsWith("Ens*", StringComparison.Ordinal) => 200 + int.Parse(column[4..]),
        _ => 1000,
    };

    public static ExperimentPlan Create(ExperimentSpec spec)
    {
        var steps = new List<PlanStep>();
        var generationObjective = Objective.Parse(spec.EffectiveGenerationObjective);
        foreach (long seed in spec.Seeds)
        {
            string prefix = $"seed-{seed}/";
            long ModelSeed() => seed * 1000 + steps.Count(s => s.Seed == seed);
            // spec.SharedStart: the model seed of the seed's first student (BAN-1's, or the first treatment's).
            long TreatmentSeed() => spec.SharedStart ? seed * 1000 + 1 : ModelSeed();
            string teacherKey = prefix + "teacher";
            steps.Add(new(teacherKey, StepKind.Train, TeacherColumn, seed, ModelSeed(), 0, spec.Teacher,
                ObjectiveKind.Label, null, []));

            string previous = teacherKey;
            var generationKeys = new List<string>();
            for (int g = 1; g <= spec.Generations; g++)
            {
                string key = prefix + $"ban-{g}";
                steps.Add(new(key, StepKind.Train, GenerationColumn(g), seed, ModelSeed(), g, spec.StudentModel,
                    generationObjective, previous, []));
                generationKeys.Add(key);
                previous = key;
            }

            foreach (var treatment in spec.Treatments.Distinct())
            {
                if (treatment == Treatment.Baseline)
                {
                    // Labels only; it waits for the teacher only when it takes the teacher's frozen conv1 and fc-output.
                    bool shares = CrossArchitecture.SharesLayers(spec.Teacher, spec.StudentModel);
                    steps.Add(new(prefix + "baseline", StepKind.Train, BaselineColumn, seed, TreatmentSeed(), 1, spec.StudentModel,
                        ObjectiveKind.Label, shares ? teacherKey : null, []));
                    continue;
                }
                var objective = treatment switch
                {
                    Treatment.Ban => ObjectiveKind.Ban,
                    Treatment.BanPlusLabel => ObjectiveKind.BanPlusLabel,
                    Treatment.Cwtm => ObjectiveKind.Cwtm,
                    _ => ObjectiveKind.Dkpp,
                };
                steps.Add(new(prefix + Objective.NameOf(objective).Replace("+", "-plus-"), StepKind.Train,
                    TreatmentColumn(treatment), seed, TreatmentSeed(), 1, spec.StudentModel, objective, teacherKey, []));
            }

            if (spec.Ensembles)
            {
                // Eq. (4): Ens*n averages the softmax of the first n members, consecutive generations
                // BAN-1, BAN-2, ... (preceded by the teacher when it is included).
                var pool = spec.EnsembleIncludesTeacher ? generationKeys.Prepend(teacherKey).ToList() : generationKeys;
                for (int size = 2; size <= pool.Count; size++)
                    steps.Add(new(prefix + $"ens-{size}", StepKind.Ensemble, EnsembleColumn(size), seed, 0, size,
                        null, ObjectiveKind.Label, null, pool.Take(size).ToList()));
            }
        }
        return new ExperimentPlan(spec, steps);
    }
}
