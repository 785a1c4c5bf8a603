using BanStudio.Training.Data;
using BanStudio.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BanStudio.Tests.Models;

public class BanResNetTests
{
    private static readonly DataShape Cifar100 = new(3, 32, 100);
    private static readonly Device Meta = new(DeviceType.META);

    public static TheoryData<string> Table5Students() =>
    [
        "BAN-Pre-ResNet-14-0.5", "BAN-Pre-ResNet-14-1", "BAN-Wide-ResNet-1-1",
        "BAN-Match-Wide-ResNet-2-1", "BAN-Wide-ResNet-4-0.5", "BAN-Wide-ResNet-4-1",
    ];

    [Theory]
    [MemberData(nameof(Table5Students))]
    public void Table_5_students_have_the_stem_and_classifier_shapes_of_densenet_90_60(string name)
    {
        // Shapes only: the meta device builds the 87M-parameter students without allocating them.
        using var teacher = ModelPresets.DenseNet90_60.Build(Cifar100, device: Meta);
        using var student = ModelPresets.Get(name).Build(Cifar100, device: Meta);

        Assert.Equal(new long[] { 120, 3, 3, 3 }, ((Conv2d)student.Stem).weight!.shape);
        Assert.Equal(((Conv2d)teacher.Stem).weight!.shape, ((Conv2d)student.Stem).weight!.shape);
        Assert.Equal(new long[] { 100, 750 }, ((Linear)student.Classifier).weight!.shape);
        Assert.Equal(((Linear)teacher.Classifier).weight!.shape, ((Linear)student.Classifier).weight!.shape);
    }

    [Fact]
    public void Stage_widths_are_a_proportion_of_the_teachers_widths_after_each_1x1_convolution()
    {
        var full = (BanResNetSpec)ModelPresets.Get("BAN-Wide-ResNet-4-1");
        var half = (BanResNetSpec)ModelPresets.Get("BAN-Wide-ResNet-4-0.5");

        Assert.Equal([480, 660, 750], ModelPresets.DenseNet90_60.Layout().Blocks.Select(b => b.StageChannels));
        Assert.Equal([480, 660, 750], full.Layout().StageChannels);
        Assert.False(full.Layout().Projects);
        Assert.Equal([240, 330, 375], half.Layout().StageChannels);
        Assert.True(half.Layout().Projects);
    }

    [Fact]
    public void Half_width_students_project_their_features_to_the_teachers_classifier_input()
    {
        using var student = ModelPresets.Get("BAN-Wide-ResNet-4-0.5").Build(Cifar100, device: Meta);
        var projection = student.named_parameters().Single(p => p.name.StartsWith("projection"));
        Assert.Equal(new long[] { 750, 375 }, projection.parameter.shape);
    }

    [Fact]
    public void Copying_from_the_teacher_makes_stem_and_classifier_identical_and_frozen()
    {
        using var scope = NewDisposeScope();
        var shape = new DataShape(3, 32, 10);
        var teacherSpec = new DenseNetSpec(16, 4) { CompressFinalBlock = true };
        using var teacher = teacherSpec.Build(shape, seed: 1);
        using var student = new BanResNetSpec(teacherSpec, ResidualBlock.Wide, 1, WidthRatio: 0.5).Build(shape, seed: 2);

        student.CopyAndFreezeStemAndClassifier(teacher);

        var teacherParameters = Parameters(teacher.Stem).Concat(Parameters(teacher.Classifier)).ToList();
        var sharedParameters = Parameters(student.Stem).Concat(Parameters(student.Classifier)).ToList();
        Assert.Equal(3, sharedParameters.Count); // stem weight, classifier weight and bias
        Assert.All(teacherParameters.Zip(sharedParameters), pair => Assert.True(Tensors.Identical(pair.First, pair.Second)));
        Assert.All(sharedParameters, p => Assert.False(p.requires_grad));
        Assert.All(teacherParameters, p => Assert.True(p.requires_grad)); // the teacher's own stay trainable
        Assert.Equal(student.parameters().Count() - 3, student.parameters().Count(p => p.requires_grad));

        // The trainer moves models to its device; the parameters it recreates must stay frozen.
        student.to(ScalarType.Float64);
        Assert.Equal(3, student.parameters().Count(p => !p.requires_grad));
        Assert.All(Parameters(student.Stem).Concat(Parameters(student.Classifier)), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void Training_the_student_leaves_the_shared_layers_untouched()
    {
        using var scope = NewDisposeScope();
        var shape = new DataShape(3, 32, 10);
        var teacherSpec = new DenseNetSpec(16, 4);
        using var teacher = teacherSpec.Build(shape, seed: 1);
        using var student = new BanResNetSpec(teacherSpec, ResidualBlock.Bottleneck, 1).Build(shape, seed: 2);
        student.CopyAndFreezeStemAndClassifier(teacher);
        var before = student.parameters().Select(p => p.detach().clone()).ToList();
        using var optimizer = optim.SGD(student.parameters().Where(p => p.requires_grad), 0.1, momentum: 0.9);

        var images = randn(4, 3, 32, 32);
        var loss = nn.functional.cross_entropy(student.forward(images), tensor(new long[] { 0, 1, 2, 3 }));
        loss.backward();
        optimizer.step();

        var after = student.parameters().ToList();
        var changed = before.Zip(after).Select(pair => !Tensors.Identical(pair.First, pair.Second)).ToList();
        var frozen = after.Select(p => !p.requires_grad).ToList();
        Assert.Equal(3, frozen.Count(f => f));
        Assert.All(changed.Zip(frozen).Where(x => x.Second), x => Assert.False(x.First));
        Assert.Contains(changed.Zip(frozen), x => !x.Second && x.First); // the rest did learn
    }

    [Fact]
    public void Sharing_layers_of_different_shapes_is_refused_before_anything_is_copied()
    {
        using var scope = NewDisposeScope();
        var shape = new DataShape(3, 32, 10);
        using var teacher = new DenseNetSpec(16, 4).Build(shape, seed: 1);
        using var student = new WideResNetSpec(10, 1).Build(shape, seed: 2);
        var stemBefore = Parameters(student.Stem).Single().detach().clone();

        var error = Assert.Throws<ArgumentException>(() => student.CopyAndFreezeStemAndClassifier(teacher));

        Assert.Contains("[8, 3, 3, 3]", error.Message);
        Assert.True(Tensors.Identical(Parameters(student.Stem).Single(), stemBefore));
        Assert.True(Parameters(student.Stem).Single().requires_grad);
    }

    private static IEnumerable<Parameter> Parameters(nn.Module module) => module.parameters();
}
