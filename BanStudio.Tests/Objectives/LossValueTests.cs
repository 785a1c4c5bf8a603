using BanStudio.Training.Objectives;
using static TorchSharp.torch;

namespace BanStudio.Tests.Objectives;

/// <summary>Loss values against sums written out by hand in doubles (no torch in the expected values).</summary>
public sealed class LossValueTests
{
    private static readonly double[,] Z = { { 2.0, -1.0, 0.5, 0.0 }, { -0.3, 1.2, 0.7, -2.0 }, { 0.1, 0.2, 0.3, 3.0 } };
    private static readonly double[,] Teacher = { { 1.0, 0.0, -1.0, 0.4 }, { 0.0, 2.5, -0.5, 0.3 }, { -1.0, 0.5, 0.9, 1.1 } };
    private static readonly long[] Y = { 0, 2, 3 };
    private const int C = 4;
    private const int Bt = 3;

    private static double[] SoftmaxRow(double[,] logits, int s, double temperature = 1)
    {
        var e = new double[C];
        var sum = 0.0;
        for (var i = 0; i < C; i++) sum += e[i] = Math.Exp(logits[s, i] / temperature);
        for (var i = 0; i < C; i++) e[i] /= sum;
        return e;
    }

    private static double HandCrossEntropy(double temperature = 1)
    {
        var total = 0.0;
        for (var s = 0; s < Bt; s++)
        {
            var p = SoftmaxRow(Teacher, s, temperature);
            var q = SoftmaxRow(Z, s, temperature);
            for (var i = 0; i < C; i++) total -= p[i] * Math.Log(q[i]);
        }
        return total / Bt;
    }

    private static double HandLabel()
    {
        var total = 0.0;
        for (var s = 0; s < Bt; s++) total -= Math.Log(SoftmaxRow(Z, s)[Y[s]]);
        return total / Bt;
    }

    private static Tensor Tensor2(double[,] a) => tensor(a.Cast<double>().ToArray(), new long[] { a.GetLength(0), a.GetLength(1) }, ScalarType.Float64);

    [Fact]
    public void Ban_loss_sums_over_classes_and_averages_over_samples_not_over_classes()
    {
        using var scope = NewDisposeScope();
        var z = Tensor2(Z).requires_grad_(true);
        var t = Tensor2(Teacher);

        var loss = new Ban().Loss(z, t, tensor(Y));

        var expected = HandCrossEntropy(); // mean_s -sum_i p_i log q_i
        Assert.Equal(expected, loss.item<double>(), 12);
        // The element-wise mean over all B*C entries (what a default 'mean' reduction gives) is C times smaller.
        var classMean = (-(t.softmax(1) * z.detach().log_softmax(1))).mean().item<double>();
        Assert.Equal(expected / C, classMean, 12);
        Assert.NotEqual(classMean, loss.item<double>(), 6);
        // And the gradient is (q - p)/b, not (q - p)/(b C).
        var grad = Logits.GradientOf(loss, z);
        var qMinusP = Logits.Softmax(z) - t.softmax(1);
        Logits.AssertClose(qMinusP / Bt, grad);
        Logits.AssertNotClose(qMinusP / (Bt * C), grad);
    }

    [Fact]
    public void Label_loss_is_the_mean_negative_log_probability_of_the_labels()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(HandLabel(), new Label().Loss(Tensor2(Z), null, tensor(Y)).item<double>(), 12);
    }

    [Fact]
    public void BanPlusLabel_loss_is_ban_plus_label()
    {
        using var scope = NewDisposeScope();
        var loss = new BanPlusLabel().Loss(Tensor2(Z), Tensor2(Teacher), tensor(Y)).item<double>();
        Assert.Equal(HandCrossEntropy() + HandLabel(), loss, 12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void BanPlusLabel_hands_back_its_label_term_for_train_perplexity(double temperature)
    {
        using var scope = NewDisposeScope();
        var (loss, label) = new BanPlusLabel(temperature).LossWithLabelTerm(Tensor2(Z), Tensor2(Teacher), tensor(Y));
        Assert.Equal(temperature * temperature * HandCrossEntropy(temperature) + HandLabel(), loss.item<double>(), 12);
        Assert.NotNull(label);
        Assert.False(label.requires_grad);
        Assert.Equal(HandLabel(), label.item<double>(), 12);
    }

    [Fact]
    public void Only_objectives_that_compute_the_label_term_hand_it_back()
    {
        using var scope = NewDisposeScope();
        var (_, label) = new Label().LossWithLabelTerm(Tensor2(Z), null, tensor(Y));
        Assert.Equal(HandLabel(), label!.item<double>(), 12);
        // BAN has no label term: the trainer computes the cross-entropy itself.
        IDistillationObjective ban = new Ban();
        Assert.Null(ban.LossWithLabelTerm(Tensor2(Z), Tensor2(Teacher), tensor(Y)).LabelCrossEntropy);
    }

    [Fact]
    public void Ban_with_temperature_is_T_squared_times_the_tempered_cross_entropy()
    {
        using var scope = NewDisposeScope();
        var loss = new Ban(4).Loss(Tensor2(Z), Tensor2(Teacher), tensor(Y)).item<double>();
        Assert.Equal(16 * HandCrossEntropy(4), loss, 12);
    }

    [Fact]
    public void BanPlusLabel_tempers_only_the_ban_term()
    {
        using var scope = NewDisposeScope();
        var loss = new BanPlusLabel(2).Loss(Tensor2(Z), Tensor2(Teacher), tensor(Y)).item<double>();
        Assert.Equal(4 * HandCrossEntropy(2) + HandLabel(), loss, 12);
    }

    [Fact]
    public void Cwtm_loss_is_the_teacher_max_weighted_sum_of_label_cross_entropies()
    {
        using var scope = NewDisposeScope();
        var maxP = new double[Bt];
        for (var s = 0; s < Bt; s++) maxP[s] = SoftmaxRow(Teacher, s).Max();
        var expected = 0.0;
        for (var s = 0; s < Bt; s++) expected += maxP[s] / maxP.Sum() * -Math.Log(SoftmaxRow(Z, s)[Y[s]]);

        var loss = new Cwtm().Loss(Tensor2(Z), Tensor2(Teacher), tensor(Y)).item<double>();

        Assert.Equal(expected, loss, 12);
        Assert.NotEqual(expected / Bt, loss, 6); // weights already sum to 1: no second 1/b
        var w = Cwtm.Weights(Tensor2(Teacher));
        Assert.Equal(1.0, w.sum().item<double>(), 12);
        Assert.Equal(maxP[0] / maxP.Sum(), w[0].item<double>(), 12);
    }
}
