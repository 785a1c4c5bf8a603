using BanStudio.Training.Objectives;
using static TorchSharp.torch;

namespace BanStudio.Tests.Objectives;

/// <summary>What every objective promises a trainer: teacher as a constant, clear errors, the factory's names.</summary>
public sealed class ObjectiveContractTests
{
    public static TheoryData<string, double> TeacherObjectives => new()
    {
        { "ban", 1 }, { "ban", 4 }, { "ban+l", 1 }, { "ban+l", 4 }, { "cwtm", 1 }, { "dkpp", 1 }, { "dkpp", 4 },
    };

    [Theory]
    [MemberData(nameof(TeacherObjectives))]
    public void Teacher_logits_receive_no_gradient(string name, double temperature)
    {
        using var scope = NewDisposeScope();
        var z = Logits.Student(8, 10, seed: 50);
        var t = Logits.Random(8, 10, seed: 51).requires_grad_(true);
        var objective = Objective.Create(name, seed: 52, temperature);

        var loss = objective.Loss(z, t, Logits.RandomLabels(8, 10, seed: 53));
        loss.backward();

        Assert.Null(t.grad);
        Assert.NotNull(z.grad);
        Assert.True(z.grad!.abs().sum().item<double>() > 0);
    }

    [Theory]
    [MemberData(nameof(TeacherObjectives))]
    public void Teacher_logits_made_under_inference_mode_are_taken_as_they_are_with_the_same_loss_and_gradient(string name, double temperature)
    {
        // The sequence trainer hands the teacher's [T*B, V] logits over without cloning them out of inference mode; an
        // objective that saved them for backward (rather than a softmax of them) would fail here.
        using var scope = NewDisposeScope();
        var labels = Logits.RandomLabels(8, 10, seed: 53);
        var normal = Logits.Random(8, 10, seed: 51);
        Tensor inference;
        using (inference_mode()) inference = normal * 1;
        // It is an inference tensor: changing it in place outside inference mode is refused.
        Assert.ThrowsAny<Exception>(() => inference.mul_(1));

        var z1 = Logits.Student(8, 10, seed: 50);
        var fromNormal = Objective.Create(name, seed: 52, temperature).Loss(z1, normal, labels);
        fromNormal.backward();
        var z2 = Logits.Student(8, 10, seed: 50);
        var fromInference = Objective.Create(name, seed: 52, temperature).Loss(z2, inference, labels);
        fromInference.backward();

        Assert.Equal(fromNormal.item<double>(), fromInference.item<double>(), 12);
        Assert.True(z1.grad!.allclose(z2.grad!, rtol: 0, atol: 1e-12));
    }

    [Theory]
    [InlineData("ban")]
    [InlineData("ban+l")]
    [InlineData("cwtm")]
    [InlineData("dkpp")]
    public void Objectives_that_need_a_teacher_refuse_a_null_teacher(string name)
    {
        using var scope = NewDisposeScope();
        var objective = Objective.Create(name, seed: 54);
        Assert.True(objective.NeedsTeacher);

        var error = Assert.Throws<ArgumentException>(() =>
            objective.Loss(Logits.Random(8, 10, seed: 55), null, Logits.RandomLabels(8, 10, seed: 56)));

        Assert.Equal("teacherLogits", error.ParamName);
        Assert.Contains(name, error.Message);
        Assert.Contains("teacher", error.Message);
    }

    [Fact]
    public void Label_needs_no_teacher()
    {
        using var scope = NewDisposeScope();
        var label = Objective.Create("label", seed: 57);
        Assert.False(label.NeedsTeacher);
        Assert.True(label.Loss(Logits.Random(8, 10, seed: 58), null, Logits.RandomLabels(8, 10, seed: 59)).item<double>() > 0);
    }

    [Fact]
    public void A_teacher_of_another_shape_is_refused()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() =>
            new Ban().Loss(Logits.Random(8, 10, seed: 60), Logits.Random(8, 9, seed: 61), Logits.RandomLabels(8, 10, seed: 62)));
        Assert.Equal("teacherLogits", error.ParamName);
    }

    [Theory]
    [InlineData("label", typeof(Label))]
    [InlineData("LABEL", typeof(Label))]
    [InlineData("Ban", typeof(Ban))]
    [InlineData("BAN+L", typeof(BanPlusLabel))]
    [InlineData("Cwtm", typeof(Cwtm))]
    [InlineData("dKpP", typeof(Dkpp))]
    public void Create_builds_each_named_objective_case_insensitively(string name, Type expected)
    {
        var objective = Objective.Create(name, seed: 63);

        Assert.IsType(expected, objective);
        Assert.Equal(name.ToLowerInvariant(), objective.Name);
        Assert.Same(objective.GetType(), Objective.Create(objective.Name, seed: 63).GetType());
        Assert.Equal(objective.Name, Objective.NameOf(Objective.Parse(name)));
    }

    [Fact]
    public void Create_rejects_an_unknown_name_listing_the_valid_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => Objective.Create("kd", seed: 64));

        Assert.Contains("'kd'", error.Message);
        foreach (var valid in new[] { "label", "ban", "ban+l", "cwtm", "dkpp" }) Assert.Contains(valid, error.Message);
        Assert.Equal(new[] { "label", "ban", "ban+l", "cwtm", "dkpp" }, Objective.Names);
    }

    [Fact]
    public void Create_passes_the_temperature_and_the_seed_on()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(4, Assert.IsType<Ban>(Objective.Create("ban", seed: 65, temperature: 4)).Temperature);
        Assert.Equal(4, Assert.IsType<BanPlusLabel>(Objective.Create("ban+l", seed: 65, temperature: 4)).Temperature);

        var t = Logits.Random(8, 10, seed: 66);
        using var fromFactory = Assert.IsType<Dkpp>(Objective.Create("dkpp", seed: 67));
        using var direct = new Dkpp(seed: 67);
        Assert.True(Logits.Same(fromFactory.Target(t), direct.Target(t)));
    }

    [Theory]
    [InlineData("label")]
    [InlineData("cwtm")]
    public void Create_refuses_a_temperature_for_objectives_without_one(string name)
    {
        Assert.NotNull(Objective.Create(name, seed: 68, temperature: 1));
        var error = Assert.Throws<ArgumentException>(() => Objective.Create(name, seed: 68, temperature: 4));
        Assert.Equal("temperature", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void A_temperature_must_be_positive(double temperature) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ban(temperature));
}
