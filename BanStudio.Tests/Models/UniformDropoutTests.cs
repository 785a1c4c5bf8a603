using BanStudio.Training.Models;
using static TorchSharp.torch;

namespace BanStudio.Tests.Models;

[Collection(TorchCollection.Name)]
public class UniformDropoutTests
{
    [Theory]
    [InlineData(0.3)]
    [InlineData(0.65)]
    public void Training_zeroes_a_fraction_p_and_scales_the_rest_by_one_over_one_minus_p(double p)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var dropout = new UniformDropout(p);
        dropout.train();
        var x = rand(1 << 20).add_(0.5); // all in [0.5, 1.5): a zero in the output is a dropped element
        var y = dropout.forward(x);

        var dropped = y.eq(0);
        double fraction = dropped.to_type(ScalarType.Float64).mean().item<double>();
        // 2^20 Bernoulli(p) draws: the standard error of the fraction is under 0.0005.
        Assert.InRange(fraction, p - 0.003, p + 0.003);
        var kept = dropped.logical_not();
        Assert.True(y.masked_select(kept).allclose(x.masked_select(kept) / (1 - p), rtol: 1e-6, atol: 0));
        // The mean is preserved in expectation.
        Assert.InRange(y.mean().item<float>() / x.mean().item<float>(), 0.99, 1.01);
    }

    [Fact]
    public void The_gradient_is_the_mask_and_eval_mode_is_the_identity()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var dropout = new UniformDropout(0.3);
        var x = rand(4096).add_(0.5).requires_grad_();
        var y = dropout.forward(x);
        y.sum().backward();
        var expected = y.detach().ne(0).to_type(ScalarType.Float32) / 0.7;
        Assert.True(x.grad!.allclose(expected, rtol: 1e-6, atol: 0));

        dropout.eval();
        using (no_grad()) Assert.True(dropout.forward(x).eq(x).all().item<bool>());
    }

    [Fact]
    public void The_same_seed_gives_the_same_mask_and_another_seed_another()
    {
        using var scope = NewDisposeScope();
        var dropout = new UniformDropout(0.5);
        var x = ones(10_000);
        manual_seed(7);
        var a = dropout.forward(x);
        manual_seed(7);
        var b = dropout.forward(x);
        manual_seed(8);
        var c = dropout.forward(x);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.eq(c).all().item<bool>());
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void A_rate_outside_zero_to_one_is_refused(double p) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new UniformDropout(p));
}
