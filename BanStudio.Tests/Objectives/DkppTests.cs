using BanStudio.Training.Objectives;
using static TorchSharp.torch;

namespace BanStudio.Tests.Objectives;

/// <summary>Eq. (11)'s phi: argmax kept in place, the rest permuted per sample, reproducibly from the run's seed.</summary>
public sealed class DkppTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Dkpp_keeps_the_argmax_and_permutes_the_other_probabilities(long n)
    {
        using var scope = NewDisposeScope();
        var t = Logits.Random(8, n, seed: 30);
        var p = Logits.Softmax(t);
        using var dkpp = new Dkpp(seed: 31);

        var phi = dkpp.Target(t);

        var argmax = p.argmax(1, keepdim: true);
        Assert.True(Logits.Same(phi.argmax(1, keepdim: true), argmax));
        Assert.True(Logits.Same(phi.gather(1, argmax), p.gather(1, argmax))); // same position, same value
        // Each row holds exactly the same probabilities (same multiset): a permutation, not a resampling.
        Assert.True(Logits.Same(phi.sort(1).Values, p.sort(1).Values));
        // ...and every row was actually reordered.
        Assert.True((phi != p).any(1).all().item<bool>());
    }

    [Fact]
    public void Dkpp_permutes_each_sample_independently()
    {
        using var scope = NewDisposeScope();
        var t = Logits.Random(1, 10, seed: 32).expand(8, 10).contiguous();
        using var dkpp = new Dkpp(seed: 33);

        var phi = Logits.ToArray(dkpp.Target(t));

        var rows = Enumerable.Range(0, 8)
            .Select(s => string.Join(",", Enumerable.Range(0, 10).Select(i => phi[s, i].ToString("R"))))
            .ToHashSet();
        Assert.Equal(8, rows.Count); // eight identical teacher rows, eight different permutations
    }

    [Fact]
    public void Dkpp_replays_the_same_permutations_from_the_same_seed()
    {
        using var scope = NewDisposeScope();
        var t = Logits.Random(8, 10, seed: 34);
        using var first = new Dkpp(seed: 35);
        using var second = new Dkpp(seed: 35);

        var a1 = first.Target(t);
        var a2 = first.Target(t);
        var b1 = second.Target(t);
        var b2 = second.Target(t);

        Assert.True(Logits.Same(a1, b1));
        Assert.True(Logits.Same(a2, b2));
        Assert.False(Logits.Same(a1, a2)); // a fresh permutation each step
    }

    [Fact]
    public void Dkpp_gives_different_permutations_for_different_seeds()
    {
        using var scope = NewDisposeScope();
        var t = Logits.Random(8, 10, seed: 36);
        using var one = new Dkpp(seed: 1);
        using var two = new Dkpp(seed: 2);

        var phi1 = one.Target(t);
        var phi2 = two.Target(t);

        Assert.True(Logits.Same(phi1.sort(1).Values, phi2.sort(1).Values));
        Assert.False(Logits.Same(phi1, phi2));
    }

    [Fact]
    public void Dkpp_generator_state_restores_the_permutation_stream()
    {
        using var scope = NewDisposeScope();
        var t = Logits.Random(8, 10, seed: 37);
        using var dkpp = new Dkpp(seed: 38);
        dkpp.Target(t); // advance, as a few training steps would

        var saved = dkpp.Generator.get_state();
        var before = dkpp.Target(t);
        using var resumed = new Dkpp(seed: 999);
        resumed.Generator.set_state(saved);

        Assert.True(Logits.Same(resumed.Target(t), before));
    }

    [Fact]
    public void Dkpp_loss_draws_the_same_target_as_Target()
    {
        using var scope = NewDisposeScope();
        var z = Logits.Random(8, 10, seed: 39);
        var t = Logits.Random(8, 10, seed: 40);
        using var viaLoss = new Dkpp(seed: 41);
        using var viaTarget = new Dkpp(seed: 41);

        var loss = viaLoss.Loss(z, t, Logits.RandomLabels(8, 10, seed: 42)).item<double>();
        var expected = Ban.SoftCrossEntropy(z, viaTarget.Target(t)).item<double>();

        Assert.Equal(expected, loss, 12);
    }

    [Fact]
    public void Dkpp_sends_each_non_argmax_probability_to_every_other_position_equally_often()
    {
        using var scope = NewDisposeScope();
        const int rows = 4000;
        var t = tensor(new[] { 1.0, 0.5, 3.0, 0.2, -1.0 }, ScalarType.Float64).expand(rows, 5).contiguous(); // argmax in the middle
        var p = Logits.ToArray(Logits.Softmax(t[..1]));
        using var dkpp = new Dkpp(seed: 43);

        var phi = dkpp.Target(t);

        foreach (var j in new[] { 0, 1, 3, 4 })
        {
            // sum(dim: 0), not sum(0): a literal 0 converts to ScalarType and would pick the dtype overload.
            var counts = (phi == p[0, j]).sum(dim: 0).data<long>().ToArray();
            Assert.Equal(0, counts[2]); // never onto the argmax position
            foreach (var i in new[] { 0, 1, 3, 4 })
                Assert.InRange(counts[i], 850, 1150); // 1000 expected, sd about 27
        }
    }
}
