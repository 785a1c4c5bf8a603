using BanStudio.Training.Objectives;
using static TorchSharp.torch;

namespace BanStudio.Tests.Objectives;

/// <summary>The gradient identities of section 3.2, checked with autograd on seeded double logits, b = 8.</summary>
public sealed class GradientIdentityTests
{
    private const long B = 8;

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Ban_gradient_is_q_minus_p_over_the_batch(long n)
    {
        using var scope = NewDisposeScope();
        var z = Logits.Student(B, n, seed: 1);
        var t = Logits.Random(B, n, seed: 2);
        var y = Logits.RandomLabels(B, n, seed: 3);

        var grad = Logits.GradientOf(new Ban().Loss(z, t, y), z);

        var expected = (Logits.Softmax(z) - Logits.Softmax(t)) / B;
        Logits.AssertClose(expected, grad);
        // The class-averaging bug gives (q - p)/(b n): a gradient n times too small.
        Logits.AssertNotClose(expected / n, grad);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Label_gradient_is_q_minus_y_over_the_batch(long n)
    {
        using var scope = NewDisposeScope();
        var z = Logits.Student(B, n, seed: 4);
        var y = Logits.RandomLabels(B, n, seed: 5);

        var grad = Logits.GradientOf(new Label().Loss(z, null, y), z);

        Logits.AssertClose((Logits.Softmax(z) - Logits.OneHot(y, n)) / B, grad);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Cwtm_gradient_is_the_teacher_max_weighted_label_gradient_even_where_the_teacher_is_wrong(long n)
    {
        using var scope = NewDisposeScope();
        var z = Logits.Student(B, n, seed: 6);
        var t = Logits.Random(B, n, seed: 7);
        var teacherArgmax = t.argmax(1);
        // Half the batch labelled as the teacher predicts, half labelled otherwise: the teacher is wrong there.
        var wrong = arange(B) >= B / 2;
        var y = where(wrong, (teacherArgmax + 1) % n, teacherArgmax);
        Assert.True((teacherArgmax != y).any().item<bool>() && (teacherArgmax == y).any().item<bool>());

        var grad = Logits.GradientOf(new Cwtm().Loss(z, t, y), z);

        var maxP = Logits.Softmax(t).max(1).values;
        var w = (maxP / maxP.sum()).unsqueeze(1);
        var expected = w * (Logits.Softmax(z) - Logits.OneHot(y, n));
        Logits.AssertClose(expected, grad);
        // Not the plain label gradient, not weighted by the teacher's probability of the label (Eq. 9's p_*).
        Logits.AssertNotClose((Logits.Softmax(z) - Logits.OneHot(y, n)) / B, grad);
        var pStar = Logits.Softmax(t).gather(1, y.unsqueeze(1));
        Logits.AssertNotClose(pStar / pStar.sum() * (Logits.Softmax(z) - Logits.OneHot(y, n)), grad);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void BanPlusLabel_gradient_is_two_q_minus_p_minus_y_over_the_batch(long n)
    {
        using var scope = NewDisposeScope();
        var z = Logits.Student(B, n, seed: 8);
        var t = Logits.Random(B, n, seed: 9);
        var y = Logits.RandomLabels(B, n, seed: 10);

        var grad = Logits.GradientOf(new BanPlusLabel().Loss(z, t, y), z);

        Logits.AssertClose((2 * Logits.Softmax(z) - Logits.Softmax(t) - Logits.OneHot(y, n)) / B, grad);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Ban_with_temperature_4_gradient_is_T_times_tempered_q_minus_p_over_the_batch(long n)
    {
        const double T = 4;
        using var scope = NewDisposeScope();
        var z = Logits.Student(B, n, seed: 11);
        var t = Logits.Random(B, n, seed: 12);
        var y = Logits.RandomLabels(B, n, seed: 13);

        var grad = Logits.GradientOf(new Ban(T).Loss(z, t, y), z);

        var expected = T * (Logits.Softmax(z, T) - Logits.Softmax(t, T)) / B;
        Logits.AssertClose(expected, grad);
        Logits.AssertNotClose(expected / T, grad); // without the T^2 factor
    }

    [Fact]
    public void Ban_at_temperature_1_equals_the_default_exactly()
    {
        using var scope = NewDisposeScope();
        var z1 = Logits.Student(B, 10, seed: 14);
        var z2 = Logits.Student(B, 10, seed: 14);
        var t = Logits.Random(B, 10, seed: 15);
        var y = Logits.RandomLabels(B, 10, seed: 16);

        var byDefault = new Ban().Loss(z1, t, y);
        var atOne = new Ban(temperature: 1).Loss(z2, t, y);

        Assert.Equal(byDefault.item<double>(), atOne.item<double>());
        Assert.True(Logits.Same(Logits.GradientOf(byDefault, z1), Logits.GradientOf(atOne, z2)));
        Assert.NotEqual(byDefault.item<double>(), new Ban(4).Loss(z1, t, y).item<double>(), 6);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Dkpp_gradient_is_q_minus_permuted_p_over_the_batch(long n)
    {
        using var scope = NewDisposeScope();
        var z = Logits.Student(B, n, seed: 17);
        var t = Logits.Random(B, n, seed: 18);
        var y = Logits.RandomLabels(B, n, seed: 19);
        using var dkpp = new Dkpp(seed: 20);

        var state = dkpp.Generator.get_state();
        var phi = dkpp.Target(t);
        dkpp.Generator.set_state(state);
        var grad = Logits.GradientOf(dkpp.Loss(z, t, y), z);

        Logits.AssertClose((Logits.Softmax(z) - phi) / B, grad);
        Logits.AssertNotClose((Logits.Softmax(z) - Logits.Softmax(t)) / B, grad); // the target really was permuted
    }
}
