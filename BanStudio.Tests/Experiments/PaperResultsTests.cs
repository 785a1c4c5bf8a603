using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;

namespace BanStudio.Tests.Experiments;

/// <summary>When one of our configurations is the paper's, and which of its numbers then stand beside ours.</summary>
public class PaperResultsTests
{
    static ExperimentSpec Spec(string dataset, ModelSpec teacher, ModelSpec? student = null) => new()
    {
        Dataset = new DatasetSpec(dataset), Teacher = teacher, Student = student,
    };

    [Fact]
    public void DenseNet_90_60_on_CIFAR_100_gets_its_Table_2_row_under_our_column_names()
    {
        var row = PaperResults.Find(Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60))!;
        Assert.Equal(PaperResults.TestErrorPercent, row.MetricKey);
        Assert.Equal(200, row.Epochs);
        Assert.Equal(
            new Dictionary<string, double>
            {
                ["Teacher"] = 17.69, ["BAN"] = 16.69, ["BAN+L"] = 16.93, ["CWTM"] = 17.42, ["DKPP"] = 17.43,
                ["BAN-1"] = 16.62, ["BAN-2"] = 16.44, ["BAN-3"] = 16.72, ["Ens*2"] = 15.39, ["Ens*3"] = 15.74,
            },
            row.Numbers.ToDictionary(p => p.Key, p => p.Value.Value));
        Assert.All(row.Numbers.Values, n => Assert.Equal("Table 2", n.Table));
    }

    [Fact]
    public void The_same_network_on_CIFAR_10_gets_Table_1_and_on_other_data_or_a_subset_nothing()
    {
        var cifar10 = PaperResults.Find(Spec(DatasetKinds.Cifar10, ModelPresets.DenseNet90_60))!;
        Assert.Equal((3.81, "Table 1"), (cifar10.Numbers["Teacher"].Value, cifar10.Numbers["Teacher"].Table));
        Assert.Equal(3.5, cifar10.Numbers["BAN-1"].Value);
        Assert.False(cifar10.Numbers.ContainsKey("BAN+L"));

        Assert.Null(PaperResults.Find(Spec(DatasetKinds.FashionMnist, ModelPresets.DenseNet90_60)));
        Assert.Null(PaperResults.Find(Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60) with
        {
            Dataset = new DatasetSpec(DatasetKinds.Cifar100, TrainLimit: 5000),
        }));
        Assert.Null(PaperResults.Find(Spec(DatasetKinds.Cifar100, new WideResNetSpec(16, 4))));
    }

    [Fact]
    public void Networks_are_matched_by_architecture_not_by_name()
    {
        // DenseNet-90-60's layout without the name matches; another layout that borrows the name does not.
        var unnamed = ModelPresets.DenseNet90_60 with { Name = null };
        Assert.NotNull(PaperResults.Find(Spec(DatasetKinds.Cifar100, unnamed)));
        var impostor = new DenseNetSpec(40, 12) { Name = "DenseNet-90-60" };
        Assert.Null(PaperResults.Find(Spec(DatasetKinds.Cifar100, impostor)));
        // Wide-ResNets keep the reference dropout of 0.3; without it the network is not the paper's.
        Assert.NotNull(PaperResults.Find(Spec(DatasetKinds.Cifar100, new WideResNetSpec(28, 10))));
        Assert.Null(PaperResults.Find(Spec(DatasetKinds.Cifar100, new WideResNetSpec(28, 10, DropRate: 0))));
    }

    [Fact]
    public void A_DenseNet_student_of_a_Wide_ResNet_gets_Table_3s_right_column()
    {
        var row = PaperResults.Find(Spec(DatasetKinds.Cifar100, new WideResNetSpec(28, 10), ModelPresets.DenseNet90_60))!;
        Assert.Equal(19.08, row.Numbers["Teacher"].Value);
        Assert.Equal((16.79, "Table 3"), (row.Numbers["BAN-1"].Value, row.Numbers["BAN-1"].Table));
        // Born-again WRN-28-10 is the other column of the same table.
        Assert.Equal(18.25, PaperResults.Find(Spec(DatasetKinds.Cifar100, new WideResNetSpec(28, 10)))!.Numbers["BAN-1"].Value);
    }

    [Fact]
    public void BAN_ResNet_students_get_Table_5_with_the_teacher_from_Table_2()
    {
        var student = ModelPresets.Get("BAN-Wide-ResNet-4-0.5");
        var row = PaperResults.Find(Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60, student))!;
        Assert.Equal(new PaperNumber(17.13, "Table 5"), row.Numbers["BAN-1"]);
        Assert.Equal(new PaperNumber(17.69, "Table 2"), row.Numbers["Teacher"]);
        // Table 5's Baseline: the same student trained from labels.
        Assert.Equal(new PaperNumber(19.63, "Table 5"), row.Numbers["Baseline"]);
    }

    [Fact]
    public void Table_5s_baseline_is_trained_from_labels_so_it_stays_the_papers_at_any_temperature_and_Pre_ResNet_1001_has_only_it()
    {
        var student = ModelPresets.Get("BAN-Pre-ResNet-14-1");
        var hot = PaperResults.Find(Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60, student) with { Temperature = 3 })!;
        Assert.Equal(["Baseline", "Teacher"], hot.Numbers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(18.84, hot.Numbers["Baseline"].Value);

        var classical = PaperResults.Find(Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60, new PreResNetSpec(1001)))!;
        Assert.Equal(new PaperNumber(22.71, "Table 5"), classical.Numbers["Baseline"]);
        Assert.False(classical.Numbers.ContainsKey("BAN-1")); // the paper trained no BAN of it ("/")
        // Born again (no student), DenseNet-90-60 has Table 2's row, which has no baseline.
        Assert.False(PaperResults.Find(Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60))!.Numbers.ContainsKey("Baseline"));
    }

    [Theory]
    [InlineData("paper-cifar100-densenet-90-60.json", "Table 2", "BAN-1", 16.62)]
    [InlineData("paper-cifar100-wrn-28-10.json", "Table 3", "BAN-1", 18.25)]
    [InlineData("paper-cifar100-table5-wrn-4-0.5.json", "Table 5", "Baseline", 19.63)]
    public void The_shipped_paper_specs_are_the_papers_configurations_and_lack_only_the_cifar_files(string file, string table, string column, double value)
    {
        var spec = SpecJson.Parse<ExperimentSpec>(File.ReadAllText(Path.Combine(BanStudio.Tests.Language.Repository.Root, "wwwroot-assets", "specs", file)), file);
        var row = PaperResults.Find(spec);
        Assert.NotNull(row);
        Assert.Equal(new PaperNumber(value, table), row.Numbers[column]);
        // Every plan column has the paper's number beside it.
        Assert.All(ExperimentPlan.Create(spec).Columns, c => Assert.True(row.Numbers.ContainsKey(c), $"{file}: no paper number for {c}"));
        Assert.All(ExperimentValidation.Validate(spec), e => Assert.Equal("dataset.path", e.Field));
    }

    [Fact]
    public void DenseNet_80_120s_Ens3_counts_the_teacher_so_it_matches_only_such_an_ensemble()
    {
        var teacher = ModelPresets.Get("DenseNet-80-120");
        var without = PaperResults.Find(Spec(DatasetKinds.Cifar100, teacher))!;
        Assert.Equal(15.13, without.Numbers["Ens*2"].Value);
        Assert.False(without.Numbers.ContainsKey("Ens*3"));
        Assert.False(without.Numbers.ContainsKey("BAN-3")); // the paper trained none ("/")

        var with = PaperResults.Find(Spec(DatasetKinds.Cifar100, teacher) with { EnsembleIncludesTeacher = true })!;
        Assert.Equal(14.9, with.Numbers["Ens*3"].Value);
        Assert.False(with.Numbers.ContainsKey("Ens*2"));
    }

    [Fact]
    public void Students_distilled_at_another_temperature_or_generations_by_BAN_L_are_not_the_papers()
    {
        var hot = PaperResults.Find(Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60) with { Temperature = 4 })!;
        Assert.Equal(["Teacher"], hot.Numbers.Keys);
        var banL = PaperResults.Find(Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60) with { GenerationObjective = "ban+l" })!;
        Assert.False(banL.Numbers.ContainsKey("BAN-1"));
        Assert.False(banL.Numbers.ContainsKey("Ens*2"));
        Assert.Equal(16.93, banL.Numbers["BAN+L"].Value); // the treatment's objective does not depend on it
    }
    [Fact]
    public void A_student_that_differs_from_its_teacher_only_by_name_is_born_again_and_keeps_the_paper_row()
    {
        var unnamed = ModelPresets.DenseNet90_60 with { Name = null };
        Assert.NotEqual<ModelSpec>(ModelPresets.DenseNet90_60, unnamed); // records compare names too
        Assert.True(unnamed.SameArchitecture(ModelPresets.DenseNet90_60));
        var spec = Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60, unnamed);
        Assert.False(spec.IsCrossArchitecture);
        Assert.Equal(16.62, PaperResults.Find(spec)!.Numbers["BAN-1"].Value);

        // A different layout still is a cross-architecture student, named or not.
        var wider = unnamed with { Growth = 61 };
        Assert.False(wider.SameArchitecture(ModelPresets.DenseNet90_60));
        Assert.True(Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60, wider).IsCrossArchitecture);
    }

    [Fact]
    public void A_BAN_ResNet_built_on_the_unnamed_layout_of_its_teacher_is_accepted_and_one_on_another_layout_is_not()
    {
        var student = (BanResNetSpec)ModelPresets.Get("BAN-Pre-ResNet-14-0.5");
        var onUnnamed = student with { Teacher = student.Teacher with { Name = null } };
        var spec = Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60, onUnnamed);
        Assert.DoesNotContain(ExperimentValidation.Validate(spec, checkFiles: false), e => e.Field == "student.teacher");
        Assert.True(spec.IsCrossArchitecture);
        Assert.Equal(18.8, PaperResults.Find(spec)!.Numbers["BAN-1"].Value);

        var onOther = student with { Teacher = student.Teacher with { Growth = 61 } };
        Assert.Contains(ExperimentValidation.Validate(Spec(DatasetKinds.Cifar100, ModelPresets.DenseNet90_60, onOther), checkFiles: false),
            e => e.Field == "student.teacher");
    }
}
