using BanStudio.Training;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;
using BanStudio.Training.Objectives;

namespace BanStudio.Tests.Experiments;

public class ExperimentPlanTests
{
    static readonly DenseNetSpec Teacher = new(40, 12);

    [Fact]
    public void Each_generation_learns_from_the_previous_one_and_treatments_from_the_teacher()
    {
        var plan = ExperimentPlan.Create(new ExperimentSpec
        {
            Teacher = Teacher, Generations = 3, Treatments = [Treatment.BanPlusLabel, Treatment.Cwtm, Treatment.Dkpp, Treatment.Ban],
        });
        var steps = plan.Steps.ToDictionary(s => s.Column);
        Assert.Null(steps["Teacher"].TeacherKey);
        Assert.Equal(ObjectiveKind.Label, steps["Teacher"].Objective);
        Assert.Equal(steps["Teacher"].Key, steps["BAN-1"].TeacherKey);
        Assert.Equal(steps["BAN-1"].Key, steps["BAN-2"].TeacherKey);
        Assert.Equal(steps["BAN-2"].Key, steps["BAN-3"].TeacherKey);
        Assert.All(new[] { "BAN", "BAN+L", "CWTM", "DKPP" }, c => Assert.Equal(steps["Teacher"].Key, steps[c].TeacherKey));
        Assert.Equal(ObjectiveKind.Ban, steps["BAN-2"].Objective);
        Assert.Equal(ObjectiveKind.Cwtm, steps["CWTM"].Objective);
        Assert.Equal(ObjectiveKind.Dkpp, steps["DKPP"].Objective);
        Assert.Equal(ObjectiveKind.BanPlusLabel, steps["BAN+L"].Objective);
        // every trained model gets its own seed (BAN and BAN-1 both learn from the teacher but differ in seed)
        var trained = plan.Steps.Where(s => s.Kind == StepKind.Train).ToList();
        Assert.Equal(trained.Count, trained.Select(s => s.ModelSeed).Distinct().Count());
        // a student is trained only after the model it learns from
        var order = plan.Steps.Select(s => s.Key).ToList();
        Assert.All(trained.Where(s => s.TeacherKey is not null), s => Assert.True(order.IndexOf(s.TeacherKey!) < order.IndexOf(s.Key)));
    }

    [Fact]
    public void The_baseline_trains_the_students_network_from_labels_and_waits_for_the_teacher_only_to_share_its_layers()
    {
        var spec = new ExperimentSpec { Teacher = Teacher, Student = new WideResNetSpec(16, 2), Generations = 2, Treatments = [Treatment.Cwtm] };
        var plain = ExperimentPlan.Create(spec);
        var withBaseline = ExperimentPlan.Create(spec with { Treatments = [Treatment.Cwtm, Treatment.Baseline] });

        var baseline = withBaseline.Steps.Single(s => s.Column == "Baseline");
        Assert.Equal(("seed-1/baseline", StepKind.Train, ObjectiveKind.Label, 1), (baseline.Key, baseline.Kind, baseline.Objective, baseline.Generation));
        Assert.Equal(spec.Student, baseline.Model);
        Assert.Null(baseline.TeacherKey); // learns from nobody: it trains even when the teacher failed
        // Asking for it changes no other step's seed (so their finished results stay valid).
        Assert.Equal(plain.Steps.Select(s => (s.Key, s.ModelSeed)), withBaseline.Steps.Where(s => s != baseline).Select(s => (s.Key, s.ModelSeed)));
        Assert.DoesNotContain(baseline.ModelSeed, plain.Steps.Select(s => s.ModelSeed));
        Assert.Equal(["Teacher", "Baseline", "CWTM", "BAN-1", "BAN-2", "Ens*2"], withBaseline.Columns);

        // A BAN-ResNet baseline takes the teacher's frozen conv1 and fc-output, so it needs the trained teacher.
        var banResNet = ExperimentPlan.Create(spec with { Student = new BanResNetSpec(Teacher, ResidualBlock.Wide, 1, 1), Treatments = [Treatment.Baseline] })
            .Steps.Single(s => s.Column == "Baseline");
        Assert.Equal(("seed-1/teacher", ObjectiveKind.Label), (banResNet.TeacherKey, banResNet.Objective));
        Assert.Equal([Treatment.Baseline], SpecJson.Parse<ExperimentSpec>("""{"teacher": {"family": "densenet", "depth": 40, "growth": 12}, "treatments": ["baseline"]}""", "spec").Treatments);
    }

    [Fact]
    public void A_shared_start_gives_every_first_generation_student_ban_1s_model_seed_and_leaves_the_rest_alone()
    {
        var spec = new ExperimentSpec
        {
            Teacher = Teacher, Generations = 2, Seeds = [3, 7],
            Treatments = [Treatment.BanPlusLabel, Treatment.Cwtm, Treatment.Dkpp, Treatment.Baseline],
        };
        var own = ExperimentPlan.Create(spec);
        var shared = ExperimentPlan.Create(spec with { SharedStart = true });
        Assert.Equal(own.Steps.Select(s => s.Key), shared.Steps.Select(s => s.Key));
        foreach (long seed in spec.Seeds)
        {
            long Seed(ExperimentPlan plan, string step) => plan.Steps.Single(s => s.Key == $"seed-{seed}/{step}").ModelSeed;
            string[] treatments = ["ban-plus-l", "cwtm", "dkpp", "baseline"];
            // Own seeds: each treatment has one of its own, none BAN-1's.
            Assert.Equal(4, treatments.Select(t => Seed(own, t)).Distinct().Count());
            Assert.DoesNotContain(Seed(own, "ban-1"), treatments.Select(t => Seed(own, t)));
            // Shared: all BAN-1's, seed x 1000 + 1; the teacher and the generations keep theirs.
            Assert.All(treatments, t => Assert.Equal(seed * 1000 + 1, Seed(shared, t)));
            Assert.Equal(seed * 1000 + 1, Seed(shared, "ban-1"));
            foreach (string step in new[] { "teacher", "ban-1", "ban-2" }) Assert.Equal(Seed(own, step), Seed(shared, step));
        }
        // With no generations the first treatment is the first student: a shared start is its seed for all of them.
        var noGenerations = ExperimentPlan.Create(spec with { Generations = 0, SharedStart = true, Seeds = [2] });
        Assert.Equal([2000L, 2001, 2001, 2001, 2001], noGenerations.Steps.Select(s => s.ModelSeed));

        // JSON: written only when on, so earlier specs (and the fingerprints built from them) read and write the same.
        Assert.DoesNotContain("sharedStart", SpecJson.Write(spec));
        Assert.Contains("\"sharedStart\": true", SpecJson.Write(spec with { SharedStart = true }));
        Assert.True(SpecJson.Parse<ExperimentSpec>("""{"teacher": {"family": "densenet", "depth": 40, "growth": 12}, "sharedStart": true}""", "spec").SharedStart);
    }

    [Theory]
    [InlineData(null, "ban", true)]        // images: generations learn with "ban", so a "ban" treatment is BAN-1 again
    [InlineData(null, "ban+l", false)]
    [InlineData("ban+l", "ban+l", true)]
    [InlineData("ban+l", "ban", false)]
    public void A_shared_start_refuses_the_treatment_that_would_be_ban_1_again(string? generationObjective, string treatment, bool refused)
    {
        var spec = SpecJson.Parse<ExperimentSpec>($$"""
            {"teacher": {"family": "densenet", "depth": 10, "growth": 6}, "generations": 1, "treatments": ["{{treatment}}", "baseline"],
             "sharedStart": true, "generationObjective": {{(generationObjective is null ? "null" : $"\"{generationObjective}\"")}}}
            """, "spec");
        var errors = ExperimentValidation.Validate(spec, checkFiles: false);
        Assert.Equal(refused, errors.Any(e => e.Field == "sharedStart"));
        if (refused) Assert.Contains($"the \"{treatment}\" treatment would train BAN-1 again", errors.Single(e => e.Field == "sharedStart").Message);
        // Without the shared start, or without generations, the same treatments are fine.
        Assert.DoesNotContain(ExperimentValidation.Validate(spec with { SharedStart = false }, checkFiles: false), e => e.Field == "sharedStart");
        Assert.DoesNotContain(ExperimentValidation.Validate(spec with { Generations = 0 }, checkFiles: false), e => e.Field == "sharedStart");
    }

    [Fact]
    public void Ensembles_average_consecutive_generations_and_may_include_the_teacher()
    {
        var spec = new ExperimentSpec { Teacher = Teacher, Generations = 3 };
        var ensembles = ExperimentPlan.Create(spec).Steps.Where(s => s.Kind == StepKind.Ensemble).ToList();
        Assert.Equal(["Ens*2", "Ens*3"], ensembles.Select(e => e.Column));
        Assert.Equal(["seed-1/ban-1", "seed-1/ban-2"], ensembles[0].Members);
        Assert.Equal(["seed-1/ban-1", "seed-1/ban-2", "seed-1/ban-3"], ensembles[1].Members);

        var withTeacher = ExperimentPlan.Create(spec with { Generations = 2, EnsembleIncludesTeacher = true })
            .Steps.Where(s => s.Kind == StepKind.Ensemble).ToList();
        Assert.Equal(["seed-1/teacher", "seed-1/ban-1", "seed-1/ban-2"], withTeacher.Single(e => e.Column == "Ens*3").Members);
    }

    [Theory]
    [InlineData("builtin", null, ObjectiveKind.Ban)]
    [InlineData("builtin-text", null, ObjectiveKind.BanPlusLabel)] // section 5.3: LSTMs only work with BAN+L
    [InlineData("builtin-text", "ban", ObjectiveKind.Ban)]
    [InlineData("builtin", "ban+l", ObjectiveKind.BanPlusLabel)]
    public void Generations_learn_with_the_papers_objective_for_the_data_unless_the_spec_names_one(string kind, string? given, ObjectiveKind expected)
    {
        bool text = kind == "builtin-text";
        var spec = new ExperimentSpec
        {
            Dataset = new BanStudio.Training.Data.DatasetSpec(kind),
            Teacher = text ? new BanStudio.Training.Language.LstmSpec(12, Dropout: 0) : Teacher, Generations = 2, GenerationObjective = given,
        };
        var generations = ExperimentPlan.Create(spec).Steps.Where(s => s.Column is "BAN-1" or "BAN-2").ToList();
        Assert.Equal(2, generations.Count);
        Assert.All(generations, g => Assert.Equal(expected, g.Objective));
        // Left out, it stays left out in the spec's JSON (the rule, not a copy of its answer, travels with the spec).
        Assert.Equal(given is not null, SpecJson.Write(spec).Contains("generationObjective", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_seed_repeats_the_whole_plan_and_columns_follow_table_2()
    {
        var plan = ExperimentPlan.Create(new ExperimentSpec
        {
            Teacher = Teacher, Generations = 2, Treatments = [Treatment.Dkpp, Treatment.BanPlusLabel], Seeds = [1, 2, 3],
        });
        Assert.Equal(3 * 6, plan.Steps.Count);
        Assert.Equal(["Teacher", "BAN+L", "DKPP", "BAN-1", "BAN-2", "Ens*2"], plan.Columns);
        Assert.Equal(3, plan.Steps.Count(s => s.Column == "Teacher"));
        Assert.Equal(plan.Steps.Count, plan.Steps.Select(s => s.Key).Distinct().Count());
    }

    [Fact]
    public void Treatments_are_written_with_the_objective_names_in_json()
    {
        var spec = SpecJson.Parse<ExperimentSpec>(
            """{"teacher": {"family": "densenet", "depth": 40, "growth": 12}, "treatments": ["ban+l", "cwtm", "dkpp", "ban"]}""", "spec");
        Assert.Equal([Treatment.BanPlusLabel, Treatment.Cwtm, Treatment.Dkpp, Treatment.Ban], spec.Treatments);
        Assert.Contains("\"ban+l\"", SpecJson.Write(spec));
    }
}
