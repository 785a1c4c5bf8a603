using BanStudio.Training.Experiments;
using static TorchSharp.torch;

namespace BanStudio.Tests.Experiments;

/// <summary>
/// Section 3.2's quantities of a model's outputs against values worked by hand: logits ln p give the probabilities p
/// back at T = 1, so every figure below follows from the p written in the test.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class OutputProfileTests
{
    static OutputProfile Profile(double temperature, params (double[] P, long Label)[][] batches)
    {
        using var sums = new OutputProfile.Accumulator(CPU);
        foreach (var batch in batches)
        {
            using var logits = tensor(batch.SelectMany(s => s.P.Select(p => Math.Log(p))).ToArray(), [batch.Length, batch[0].P.Length]);
            using var labels = tensor(batch.Select(s => s.Label).ToArray());
            sums.Add(logits, labels, temperature);
        }
        return sums.Result(temperature);
    }

    static readonly (double[] P, long Label) Right = ([0.72, 0.18, 0.1], 0); // p* = max p = 0.72; dark (0.18, 0.1)
    static readonly (double[] P, long Label) Wrong = ([0.25, 0.5, 0.25], 2); // p* = 0.25, max p = 0.5 on class 1; dark (0.25, 0.25)

    [Fact]
    public void Two_samples_give_the_hand_worked_figures_whatever_the_batches()
    {
        foreach (var profile in new[] { Profile(1, [Right, Wrong]), Profile(1, [Right], [Wrong]) })
        {
            Assert.Equal(2, profile.Samples);
            Assert.Equal(0.5, profile.Error, 12);                  // the second sample's argmax is class 1, its label 2
            Assert.Equal(-(Math.Log(0.72) + Math.Log(0.25)) / 2, profile.Loss, 12); // the cross-entropy against the labels
            Assert.Equal((0.72 + 0.25) / 2, profile.MeanTrueProbability, 12);
            Assert.Equal((0.72 + 0.5) / 2, profile.MeanMaxProbability, 12);
            Assert.Equal(0.11 / 0.61, profile.CwtmWeightSpread, 12); // max p = 0.72 and 0.5: std 0.11 around 0.61
            Assert.Equal(0.39, profile.MeanDarkMass, 12);
            // Renormalised dark outputs (0.18, 0.1) / 0.28 and (1/2, 1/2), each entropy over ln 2.
            double a = 0.18 / 0.28, b = 0.1 / 0.28;
            double first = -(a * Math.Log(a) + b * Math.Log(b)) / Math.Log(2);
            Assert.Equal((first + 1) / 2, profile.DarkEntropy!.Value, 12);
            Assert.Equal([0, 0, 1, 0, 0, 0, 0, 1, 0, 0], profile.TrueProbabilityHistogram); // 0.25 in bin 2, 0.72 in bin 7
        }
    }

    [Fact]
    public void A_temperature_softens_the_probabilities_before_anything_is_measured()
    {
        var profile = Profile(2, [Right]);
        // softmax(ln p / 2) is sqrt(p) renormalised.
        double[] soft = Right.P.Select(p => Math.Sqrt(p)).ToArray();
        double total = soft.Sum();
        Assert.Equal(soft[0] / total, profile.MeanTrueProbability, 12);
        Assert.Equal(1 - soft[0] / total, profile.MeanDarkMass, 12);
        Assert.Equal(-Math.Log(soft[0] / total), profile.Loss, 12);
        Assert.Equal(2, profile.Temperature);
        Assert.Equal(0, profile.CwtmWeightSpread, 12);
    }

    [Fact]
    public void A_certain_true_class_lands_in_the_last_bin_and_two_classes_have_no_dark_entropy()
    {
        using var sums = new OutputProfile.Accumulator(CPU);
        using var logits = tensor(new double[] { 200, 0, 0, 0, 3, 0 }, [2, 3]);
        using var labels = tensor(new long[] { 0, 1 });
        sums.Add(logits, labels, 1);
        var certain = sums.Result(1);
        // p* = 1 - 2e-87, which is 1.0 in float64 (10 bins wide: clamped into the last), and e^3 / (e^3 + 2) = 0.909.
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 2], certain.TrueProbabilityHistogram);

        // The loss of a true class far below float64's smallest probability counts by its size (-ln p* = 800 + ln 2 here),
        // not as infinity: it is read from log-softmax, not from the log of a probability that underflowed to 0.
        using var far = new OutputProfile.Accumulator(CPU);
        using var farLogits = tensor(new double[] { 800, 800, 0 }, [1, 3]);
        using var farLabel = tensor(new long[] { 2 });
        far.Add(farLogits, farLabel, 1);
        var underflow = far.Result(1);
        Assert.Equal(800 + Math.Log(2), underflow.Loss, 9);
        Assert.Equal(0, underflow.MeanTrueProbability);
        Assert.Equal(Math.Log(1 + 2 * Math.Exp(-3)) / 2, certain.Loss, 12); // -ln p* = ln(1 + 2e^-200) ≈ 0 and ln(1 + 2e^-3)

        var two = Profile(1, [([0.9, 0.1], 0), ([0.4, 0.6], 0)]);
        Assert.Null(two.DarkEntropy); // one non-argmax class: nothing for its outputs to spread over
        Assert.Equal(0.5, two.Error, 12);
        Assert.Equal(0.25, two.MeanDarkMass, 12);
    }

    [Fact]
    public void Class_means_average_the_probabilities_over_each_true_class_and_name_its_nearest_classes()
    {
        // Two images of class 0 (p* 0.72 and 0.4), one of class 2, none of class 1.
        (double[] P, long Label) other = ([0.4, 0.1, 0.5], 0);
        foreach (var profile in new[] { Profile(1, [Right, Wrong, other]), Profile(1, [Wrong], [other, Right]) })
        {
            Assert.Equal([2, 0, 1], profile.ClassCounts);
            Assert.Equal([(0.72 + 0.4) / 2, (0.18 + 0.1) / 2, (0.1 + 0.5) / 2], profile.ClassMeans[0], new ToleranceComparer(1e-12));
            Assert.Equal([0.0, 0.0, 0.0], profile.ClassMeans[1]);      // no image of class 1: a row of zeros, not NaN
            Assert.Equal([0.25, 0.5, 0.25], profile.ClassMeans[2], new ToleranceComparer(1e-12));
            // Class 0's images lean to class 2 (0.3) before class 1 (0.14); class 2's to class 1 (0.5).
            Assert.Equal([2, 1], profile.Neighbours(0, 2).Select(n => n.Class));
            Assert.Equal(0.3, profile.Neighbours(0, 1)[0].MeanProbability, 12);
            Assert.Equal([1], profile.Neighbours(2, 1).Select(n => n.Class));
            // Across classes with images: 2 → 1 (0.5), 0 → 2 (0.3), 2 → 0 (0.25) (class 1 has none to speak for).
            Assert.Equal([(2, 1), (0, 2), (2, 0)], profile.SimilarPairs(3).Select(x => (x.True, x.Class)));
            // The diagonal, weighted by the counts, is the mean p* of the true class.
            Assert.Equal(profile.MeanTrueProbability, Enumerable.Range(0, 3).Sum(c => profile.ClassCounts[c] * profile.ClassMeans[c][c]) / profile.Samples, 12);
        }
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
