using BanStudio.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Tests.Language;

/// <summary>Section 3.2's identities hold at every unrolled step when a sequence's logits are flattened to [T*B, V].</summary>
public sealed class SequenceObjectiveTests
{
    const long T = 5, B = 3, V = 11;

    static (Tensor Z, Tensor Teacher, Tensor Y) Sequence(ulong seed)
    {
        using var g = new Generator(seed);
        var z = (randn([T, B, V], ScalarType.Float64, generator: g) * 2).requires_grad_(true);
        var t = randn([T, B, V], ScalarType.Float64, generator: g) * 2;
        var y = randint(0, V, [T, B], ScalarType.Int64, generator: g);
        return (z, t, y);
    }

    [Fact]
    public void Ban_plus_label_on_a_sequence_has_gradient_2q_minus_p_minus_y_over_all_steps()
    {
        using var scope = NewDisposeScope();
        var (z, t, y) = Sequence(1);
        var loss = new BanPlusLabel().Loss(z.view(-1, V), t.view(-1, V), y.flatten());
        loss.backward();
        var q = z.detach().softmax(2);
        var p = t.softmax(2);
        var onehot = nn.functional.one_hot(y, V).to(ScalarType.Float64);
        var expected = (2 * q - p - onehot) / (T * B);
        Assert.True((z.grad! - expected).abs().max().item<double>() < 1e-12);
        // Averaging per step and then over steps would be the same here, but summing over steps would be T times larger.
        Assert.True((z.grad! * T - expected).abs().max().item<double>() > 1e-3);
    }

    [Fact]
    public void Ban_on_a_sequence_is_the_per_step_cross_entropy_with_the_teachers_softmax()
    {
        using var scope = NewDisposeScope();
        var (z, t, y) = Sequence(2);
        var loss = new Ban().Loss(z.view(-1, V), t.view(-1, V), y.flatten()).item<double>();
        // Mean over T*B steps of -sum_v p log q, written out per step.
        double sum = 0;
        var logQ = z.detach().log_softmax(2);
        var p = t.softmax(2);
        for (long i = 0; i < T; i++)
            for (long b = 0; b < B; b++)
                sum -= (p[i, b] * logQ[i, b]).sum().item<double>();
        Assert.Equal(sum / (T * B), loss, 12);
    }
}
