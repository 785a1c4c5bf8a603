namespace BanStudio.Training.Experiments;

/// <summary>Welch's unequal-variance t-test: the statistic, the Welch–Satterthwaite degrees of freedom and the two-sided p-value.</summary>
public sealed record WelchTTest(double T, double DegreesOfFreedom, double PValue, int N1, int N2);

/// <summary>A Welch test, or why there is none (too few seeds, no spread at all); exactly one of the two is set.</summary>
public sealed record Significance(WelchTTest? Test, string? Reason)
{
    public double? PValue => Test?.PValue;
}

/// <summary>
/// The paired t-test of n pairs: t = mean(d) / (sd(d) / √n) over the differences d = a − b, df = n − 1, two-sided p.
/// <see cref="MeanDifference"/> is mean(a − b) over the pairs.
/// </summary>
public sealed record PairedTTest(double T, double DegreesOfFreedom, double PValue, int Pairs, double MeanDifference);

/// <summary>A paired test, or why there is none; exactly one of the two is set.</summary>
public sealed record PairedSignificance(PairedTTest? Test, string? Reason)
{
    public double? PValue => Test?.PValue;
}

/// <summary>Sample statistics across seeds, and the significance tests the comparison tables use.</summary>
public static class Statistics
{
    public static double Mean(IReadOnlyCollection<double> values) => values.Count == 0 ? double.NaN : values.Average();

    /// <summary>Sample standard deviation (n - 1); 0 for a single value.</summary>
    public static double StandardDeviation(IReadOnlyCollection<double> values)
    {
        if (values.Count < 2) return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>
    /// A results table's summary cell: "12.34 ± 0.56 (n=3)"; one value has no spread to show, so "12.34 (n=1)" (not
    /// "± 0.00", which reads as seeds that agreed exactly); no values: "".
    /// </summary>
    public static string MeanStdText(IReadOnlyCollection<double> values) => values.Count switch
    {
        0 => "",
        1 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{values.First():0.00} (n=1)"),
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Mean(values):0.00} ± {StandardDeviation(values):0.00} (n={values.Count})"),
    };

    /// <summary>
    /// Welch's t-test of mean(<paramref name="a"/>) = mean(<paramref name="b"/>), two-sided, without assuming equal
    /// variances (seeds of a teacher and of a student need not spread alike). t = (mean a − mean b) / sqrt(sa²/na + sb²/nb),
    /// df by Welch–Satterthwaite. The same numbers as R's <c>t.test(a, b)</c> and SciPy's <c>ttest_ind(a, b, equal_var=False)</c>.
    /// </summary>
    public static Significance Welch(IReadOnlyCollection<double> a, IReadOnlyCollection<double> b)
    {
        if (a.Count < 2 || b.Count < 2)
            return new(null, $"no p-value: n={a.Count} vs n={b.Count}; a t-test needs at least 2 seeds on each side");
        if (a.Concat(b).Any(v => !double.IsFinite(v)))
            return new(null, "no p-value: a value is not a finite number");
        double va = Variance(a) / a.Count, vb = Variance(b) / b.Count;
        double se2 = va + vb;
        if (se2 == 0)
            return new(null, "no p-value: every seed gave exactly the same value on both sides, so t is undefined");
        double t = (Mean(a) - Mean(b)) / Math.Sqrt(se2);
        double df = se2 * se2 / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        return new(new WelchTTest(t, df, TwoSidedPValue(t, df), a.Count, b.Count), null);
    }

    /// <summary>
    /// The paired t-test of mean(a − b) = 0, two-sided, for pairs (a_i, b_i) measured on the same unit: a student and
    /// the teacher of its own seed, which it learnt from. Differences cancel what a seed's pair shares (the data order,
    /// a lucky teacher), so it sees a consistent gain that Welch's test of the two groups misses. The same numbers as
    /// R's <c>t.test(a, b, paired = TRUE)</c> and SciPy's <c>ttest_rel(a, b)</c>.
    /// </summary>
    public static PairedSignificance Paired(IReadOnlyList<(double A, double B)> pairs)
    {
        if (pairs.Count < 2)
            return new(null, $"no paired p-value: {pairs.Count} seed{(pairs.Count == 1 ? "" : "s")} with both models finished; a paired test needs at least 2");
        if (pairs.Any(p => !double.IsFinite(p.A) || !double.IsFinite(p.B)))
            return new(null, "no paired p-value: a value is not a finite number");
        var differences = pairs.Select(p => p.A - p.B).ToList();
        double mean = Mean(differences), sd = StandardDeviation(differences);
        // Errors are stored as fractions and shown in percent, so equal differences may differ in their last bits:
        // a spread below a billionth of the values is rounding, not a difference (it would give t ≈ 1e16, p ≈ 0).
        double scale = pairs.Max(p => Math.Max(Math.Abs(p.A), Math.Abs(p.B)));
        if (sd <= 1e-9 * scale)
            return new(null, "no paired p-value: every seed's pair differs by exactly the same amount, so t is undefined");
        double t = mean / (sd / Math.Sqrt(differences.Count));
        double df = differences.Count - 1;
        return new(new PairedTTest(t, df, TwoSidedPValue(t, df), differences.Count, mean), null);
    }

    /// <summary>P(T ≤ t) for Student's t with <paramref name="df"/> (any positive real) degrees of freedom.</summary>
    public static double StudentTCdf(double t, double df)
    {
        if (!(df > 0)) throw new ArgumentOutOfRangeException(nameof(df), df, "degrees of freedom must be positive");
        double tail = TwoSidedPValue(t, df) / 2; // P(T ≤ −|t|)
        return t <= 0 ? tail : 1 - tail;
    }

    /// <summary>
    /// P(|T| ≥ |t|) = I_x(df/2, 1/2) with x = df / (df + t²), the regularised incomplete beta function. 1 − x is formed as
    /// t² / (df + t²), not by subtraction, so a tiny p-value keeps its digits.
    /// </summary>
    public static double TwoSidedPValue(double t, double df)
    {
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsInfinity(t)) return 0;
        double t2 = t * t;
        return RegularizedIncompleteBeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
    }

    static double Variance(IReadOnlyCollection<double> values)
    {
        double sd = StandardDeviation(values);
        return sd * sd;
    }

    /// <summary>I_x(a, b) with <paramref name="oneMinusX"/> = 1 − x given exactly; by the continued fraction, on the side where it converges fast.</summary>
    static double RegularizedIncompleteBeta(double a, double b, double x, double oneMinusX)
    {
        if (x <= 0) return 0;
        if (oneMinusX <= 0) return 1;
        double logFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(oneMinusX);
        return x < (a + 1) / (a + b + 2)
            ? Math.Exp(logFront) * BetaContinuedFraction(a, b, x) / a
            : 1 - Math.Exp(logFront) * BetaContinuedFraction(b, a, oneMinusX) / b;
    }

    /// <summary>The continued fraction of the incomplete beta function, evaluated by the modified Lentz method.</summary>
    static double BetaContinuedFraction(double a, double b, double x)
    {
        const double tiny = 1e-300, epsilon = 1e-16;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.Abs(d) < tiny ? tiny : d);
        double h = d;
        for (int m = 1; m <= 10_000; m++)
        {
            int m2 = 2 * m;
            // Even step: d_{2m} = m(b − m)x / ((a + 2m − 1)(a + 2m)).
            double coefficient = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + coefficient * d;
            c = 1 + coefficient / c;
            d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            if (Math.Abs(c) < tiny) c = tiny;
            h *= d * c;
            // Odd step: d_{2m+1} = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
            coefficient = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + coefficient * d;
            c = 1 + coefficient / c;
            d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            if (Math.Abs(c) < tiny) c = tiny;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < epsilon) return h;
        }
        return h;
    }

    // Lanczos approximation (g = 7, 9 terms): about 15 significant digits for positive arguments.
    static readonly double[] lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    /// <summary>ln Γ(x) for x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0)) throw new ArgumentOutOfRangeException(nameof(x), x, "LogGamma is defined here for positive arguments");
        // Reflection Γ(x)Γ(1 − x) = π / sin(πx) keeps the series where it is accurate.
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        x -= 1;
        double sum = lanczos[0];
        for (int i = 1; i < lanczos.Length; i++) sum += lanczos[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
