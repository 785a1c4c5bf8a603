using BanStudio.Training.Data;
using BanStudio.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Experiments;

/// <summary>
/// Section 3.2 made measurable: what a trained model's softmax outputs (p = softmax(z / T)) hand a student besides
/// the label, over one split without augmentation.
/// <list type="bullet">
/// <item><see cref="Loss"/>: the mean −ln p_* in nats, the cross-entropy of these outputs against the labels: at T = 1 the
/// model's loss on the split (the test loss a run records, on the test images), read from log-softmax so that a p_* too
/// small for float64 still counts by its size, not as infinity.</item>
/// <item><see cref="MeanTrueProbability"/>: the mean p_* of the ground-truth class, the weight Eq. (8) puts on a BAN
/// student's ground-truth gradient (1 everywhere would make BAN's correct-class term plain label training).</item>
/// <item><see cref="MeanMaxProbability"/> and <see cref="CwtmWeightSpread"/>: CWTM's per-sample weight max p (Eq. 10),
/// its mean and its spread (standard deviation / mean over the samples; 0 means CWTM weighs every sample alike).</item>
/// <item><see cref="MeanDarkMass"/>: the mean 1 − max p, the mass on the non-argmax outputs that DKPP permutes (Eq. 11).</item>
/// <item><see cref="DarkEntropy"/>: the entropy of those non-argmax outputs, renormalised to sum to 1, over ln(n − 1):
/// 1 when they are uniform (no similarity between classes to learn), lower the more structured they are; null for two
/// classes or when no sample has any mass off its argmax.</item>
/// <item><see cref="TrueProbabilityHistogram"/>: how many samples have p_* in [0, 0.1), [0.1, 0.2), ..., [0.9, 1].</item>
/// <item><see cref="ClassMeans"/>: the dark knowledge by class, row i the mean p over the samples whose true class is i
/// (<see cref="ClassCounts"/> of them; a row of zeros for a class without samples): which other classes the model
/// finds an image of class i similar to, what a student learns besides the label (section 3.2's "similarities").</item>
/// </list>
/// </summary>
public sealed record OutputProfile(
    int Samples, double Temperature, double Error, double Loss, double MeanTrueProbability, double MeanMaxProbability,
    double CwtmWeightSpread, double MeanDarkMass, double? DarkEntropy, long[] TrueProbabilityHistogram,
    long[] ClassCounts, double[][] ClassMeans)
{
    public const int Bins = 10;

    /// <summary>
    /// The <paramref name="count"/> classes other than <paramref name="trueClass"/> that its images' mean p puts the most
    /// mass on, most first (ties: lower index first): the classes the model finds it most similar to.
    /// </summary>
    public IReadOnlyList<(int Class, double MeanProbability)> Neighbours(int trueClass, int count) =>
        OffDiagonal([trueClass]).Take(count).Select(x => (x.Class, x.MeanProbability)).ToList();

    /// <summary>
    /// The <paramref name="count"/> largest off-diagonal <see cref="ClassMeans"/> over the classes with samples, largest
    /// first (ties: lower true class, then lower class): the pairs of classes the model finds most alike.
    /// </summary>
    public IReadOnlyList<(int True, int Class, double MeanProbability)> SimilarPairs(int count) =>
        OffDiagonal(Enumerable.Range(0, ClassMeans.Length).Where(i => ClassCounts[i] > 0)).Take(count).ToList();

    /// <summary>The off-diagonal <see cref="ClassMeans"/> of these true classes, largest first (ties: lower true class, then lower class).</summary>
    IEnumerable<(int True, int Class, double MeanProbability)> OffDiagonal(IEnumerable<int> trueClasses) =>
        trueClasses.SelectMany(i => Enumerable.Range(0, ClassMeans.Length).Where(j => j != i).Select(j => (True: i, Class: j, MeanProbability: ClassMeans[i][j])))
            .OrderByDescending(x => x.MeanProbability).ThenBy(x => x.True).ThenBy(x => x.Class);

    /// <summary>
    /// The profile of <paramref name="logits"/> (one model's, or an ensemble's log of averaged probabilities) on
    /// <paramref name="split"/> of <paramref name="data"/>, normalised as at test time, in batches under no-grad.
    /// </summary>
    public static OutputProfile Measure(ImageSplits data, ImageDataset split, Device device, int batchSize, double temperature,
        Func<Tensor, Tensor> logits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(temperature, 0);
        using var sums = new Accumulator(device);
        EvaluationBatches.ForEach(data, split, device, batchSize, (x, y) => sums.Add(logits(x), y, temperature));
        return sums.Result(temperature);
    }

    /// <summary>Sums on the device over batches of (logits, labels), read once by <see cref="Result"/>.</summary>
    public sealed class Accumulator(Device device) : IDisposable
    {
        readonly Tensor _wrong = zeros([], ScalarType.Int64, device);
        readonly Tensor _true = zeros([], ScalarType.Float64, device);
        readonly Tensor _negativeLog = zeros([], ScalarType.Float64, device);
        readonly Tensor _max = zeros([], ScalarType.Float64, device);
        readonly Tensor _maxSquared = zeros([], ScalarType.Float64, device);
        readonly Tensor _entropy = zeros([], ScalarType.Float64, device);
        readonly Tensor _withDark = zeros([], ScalarType.Int64, device);
        readonly Tensor _histogram = zeros([Bins], ScalarType.Int64, device);
        Tensor? _classSums, _classCounts; // [n, n] and [n], made once the first batch tells n
        long _samples;
        long _classes;

        public void Add(Tensor logits, Tensor labels, double temperature)
        {
            using var scope = NewDisposeScope();
            _classes = logits.shape[1];
            _samples += logits.shape[0];
            var logP = nn.functional.log_softmax(logits.to(ScalarType.Float64).div(temperature), 1);
            var p = logP.exp();
            var pTrue = p.gather(1, labels.unsqueeze(1)).squeeze(1);
            var (maxP, argmax) = p.max(1);
            _wrong.add_(argmax.ne(labels).sum());
            _true.add_(pTrue.sum());
            _negativeLog.sub_(logP.gather(1, labels.unsqueeze(1)).sum());
            _max.add_(maxP.sum());
            _maxSquared.add_(maxP.square().sum());
            // The non-argmax outputs renormalised: r_i = p_i / (1 - max p), the argmax itself left out (0 ln 0 = 0).
            var dark = p.scatter(1, argmax.unsqueeze(1), zeros_like(p));
            var mass = dark.sum(1);
            var has = mass.gt(0);
            var r = dark.div(mass.clamp_min(double.Epsilon).unsqueeze(1));
            var entropy = r.mul(r.clamp_min(double.Epsilon).log()).sum(1).neg();
            _entropy.add_(entropy.masked_select(has).sum());
            _withDark.add_(has.sum());
            var bins = pTrue.mul(Bins).floor().clamp(0, Bins - 1).to(ScalarType.Int64);
            _histogram.add_(bincount(bins, minlength: Bins));
            if (_classSums is null)
            {
                _classSums = zeros([_classes, _classes], ScalarType.Float64, device).DetachFromDisposeScope();
                _classCounts = zeros([_classes], ScalarType.Int64, device).DetachFromDisposeScope();
            }
            _classSums.index_add_(0, labels, p, 1);
            _classCounts!.add_(bincount(labels, minlength: (int)_classes));
        }

        public OutputProfile Result(double temperature)
        {
            if (_samples == 0) throw new InvalidOperationException("no samples were profiled");
            double n = _samples;
            double meanMax = _max.item<double>() / n;
            double variance = Math.Max(0, _maxSquared.item<double>() / n - meanMax * meanMax);
            long withDark = _withDark.item<long>();
            double? darkEntropy = _classes > 2 && withDark > 0 ? _entropy.item<double>() / withDark / Math.Log(_classes - 1) : null;
            return new OutputProfile((int)_samples, temperature, _wrong.item<long>() / n, _negativeLog.item<double>() / n, _true.item<double>() / n, meanMax,
                meanMax > 0 ? Math.Sqrt(variance) / meanMax : 0, 1 - meanMax, darkEntropy, Counts(_histogram), Counts(_classCounts!), ClassMeans());
        }

        static long[] Counts(Tensor counts)
        {
            using var host = counts.cpu();
            return host.data<long>().ToArray();
        }

        double[][] ClassMeans()
        {
            using var scope = NewDisposeScope();
            var means = _classSums!.div(_classCounts!.clamp_min(1).unsqueeze(1).to(ScalarType.Float64)).cpu();
            var flat = means.data<double>().ToArray();
            return Enumerable.Range(0, (int)_classes).Select(i => flat.AsSpan(i * (int)_classes, (int)_classes).ToArray()).ToArray();
        }

        public void Dispose()
        {
            foreach (var t in new[] { _wrong, _true, _negativeLog, _max, _maxSquared, _entropy, _withDark, _histogram, _classSums, _classCounts }) t?.Dispose();
        }
    }
}
