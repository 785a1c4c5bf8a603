using BanStudio.Training.Experiments;

namespace BanStudio.Tests.Experiments;

/// <summary>
/// Welch's t-test and the Student-t distribution against values computed independently: closed forms (df = 1 is
/// the Cauchy distribution, df = 2 has an algebraic CDF), a case worked by hand, R's documented output for its
/// `sleep` example, and SciPy 1.10.1 (Debian's python3-scipy), e.g.
/// <c>python3 -c "from scipy import stats; print(stats.ttest_ind(a, b, equal_var=False))"</c>.
/// </summary>
public class StatisticsTests
{
    [Fact]
    public void A_summary_cell_shows_the_sample_spread_and_none_for_a_single_seed()
    {
        Assert.Equal("2.00 ± 1.00 (n=3)", Statistics.MeanStdText([1, 2, 3])); // sample std (n - 1): sqrt(2 / 2)
        Assert.Equal("113.85 (n=1)", Statistics.MeanStdText([113.846]));
        Assert.Equal("", Statistics.MeanStdText([]));
    }

    [Theory]
    [InlineData(-3.0)]
    [InlineData(-0.5)]
    [InlineData(0.0)]
    [InlineData(2.0)]
    [InlineData(10.0)]
    public void Student_t_with_one_degree_of_freedom_is_the_Cauchy_distribution(double t) =>
        Assert.Equal(0.5 + Math.Atan(t) / Math.PI, Statistics.StudentTCdf(t, 1), 1e-13);

    [Theory]
    [InlineData(-4.0)]
    [InlineData(-1.0)]
    [InlineData(0.7)]
    [InlineData(3.0)]
    public void Student_t_with_two_degrees_of_freedom_has_its_closed_form(double t) =>
        Assert.Equal(0.5 + t / (2 * Math.Sqrt(2 + t * t)), Statistics.StudentTCdf(t, 2), 1e-13);

    [Fact]
    public void Student_t_at_non_integer_degrees_of_freedom_matches_scipy()
    {
        // stats.t.cdf(-1.5, 3.7), stats.t.cdf(0.3, 0.5)
        Assert.Equal(0.10679908460100665, Statistics.StudentTCdf(-1.5, 3.7), 1e-12);
        Assert.Equal(0.5775704239347546, Statistics.StudentTCdf(0.3, 0.5), 1e-12);
        // stats.t.sf(40, 30): a far tail keeps its digits (relative error), it is not rounded to 0.
        double tail = Statistics.StudentTCdf(-40, 30);
        Assert.Equal(1, tail / 6.863022597203181e-28, 1e-9);
    }

    [Fact]
    public void Welch_matches_Rs_sleep_example()
    {
        // R: t.test(extra ~ group, data = sleep) prints "t = -1.8608, df = 17.776, p-value = 0.07939";
        // SciPy gives the full digits: t = -1.8608134674868526, p = 0.07939414018735823.
        double[] group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        double[] group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        var test = Statistics.Welch(group1, group2).Test!;
        Assert.Equal(-1.8608134674868526, test.T, 1e-12);
        Assert.Equal(17.776473516178495, test.DegreesOfFreedom, 1e-10);
        Assert.Equal(0.07939414018735823, test.PValue, 1e-12);
        Assert.Equal((10, 10), (test.N1, test.N2));
    }

    [Fact]
    public void Welch_matches_scipy_on_unequal_variances()
    {
        // The first example of Wikipedia's "Welch's t-test" article (t ≈ -2.46, df ≈ 25.0, p ≈ 0.021); digits from SciPy.
        double[] a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
        double[] a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
        var test = Statistics.Welch(a1, a2).Test!;
        Assert.Equal(-2.455356398286006, test.T, 1e-12);
        Assert.Equal(24.988529290231416, test.DegreesOfFreedom, 1e-10);
        Assert.Equal(0.021378001462866985, test.PValue, 1e-12);
    }

    [Fact]
    public void Welch_on_three_seeds_each_worked_by_hand()
    {
        // Teacher errors 18.1, 18.4, 18.3: mean 18.2667, s² = 0.07/3 = 0.023333; student 17.0, 16.6, 17.1: mean 16.9, s² = 0.07.
        // se² = 0.023333/3 + 0.07/3 = 0.031111; t = 1.366667 / 0.176383 = 7.7483;
        // df = 0.031111² / (0.0077778²/2 + 0.0233333²/2) = 0.00096790 / 0.00030247 = 3.2 exactly.
        var test = Statistics.Welch([18.1, 18.4, 18.3], [17.0, 16.6, 17.1]).Test!;
        Assert.Equal(7.748271696689162, test.T, 1e-10);
        Assert.Equal(3.2, test.DegreesOfFreedom, 1e-10);
        Assert.Equal(0.003544339621117711, test.PValue, 1e-12); // SciPy
        // Swapping the groups flips t and keeps p.
        var swapped = Statistics.Welch([17.0, 16.6, 17.1], [18.1, 18.4, 18.3]).Test!;
        Assert.Equal(-test.T, swapped.T, 1e-12);
        Assert.Equal(test.PValue, swapped.PValue, 1e-15);
    }

    [Fact]
    public void Welch_gives_no_p_value_for_a_single_seed_and_says_why()
    {
        var significance = Statistics.Welch([18.2], [17.0, 16.6, 17.1]);
        Assert.Null(significance.Test);
        Assert.Null(significance.PValue);
        Assert.Contains("n=1 vs n=3", significance.Reason);
        Assert.Contains("at least 2 seeds", significance.Reason);
    }

    [Fact]
    public void Welch_gives_no_p_value_when_no_seed_differs_from_another()
    {
        var significance = Statistics.Welch([18.0, 18.0], [17.0, 17.0, 17.0]);
        Assert.Null(significance.Test);
        Assert.Contains("t is undefined", significance.Reason);
        // One side without spread is fine: df falls to that of the other side.
        var oneSided = Statistics.Welch([18.0, 18.0], [17.0, 16.0, 18.0]).Test!;
        Assert.Equal(2, oneSided.DegreesOfFreedom, 1e-12);
    }

    [Fact]
    public void The_paired_test_is_the_one_sample_test_of_the_differences_with_closed_form_p_values_at_one_and_two_df()
    {
        // Differences 0.9, 0.5, 0.9: mean 0.7667, sd 0.2309, t = 0.7667 / (0.2309 / √3) = 5.75, df 2, where
        // Student's two-sided p is 1 − |t| / √(t² + 2).
        var test = Statistics.Paired([(20.1, 19.2), (19.5, 19.0), (20.8, 19.9)]).Test!;
        Assert.Equal((3, 2.0), (test.Pairs, test.DegreesOfFreedom));
        Assert.Equal(0.7666666666666667, test.MeanDifference, 1e-12);
        Assert.Equal(5.75, test.T, 1e-10);
        Assert.Equal(1 - 5.75 / Math.Sqrt(5.75 * 5.75 + 2), test.PValue, 1e-12);
        // df 1 (two pairs): Cauchy, p = 1 − (2/π) atan|t|. Differences 1 and 3: t = 2 / (√2 / √2) = 2.
        var two = Statistics.Paired([(11.0, 10.0), (13.0, 10.0)]).Test!;
        Assert.Equal(2, two.T, 1e-12);
        Assert.Equal(1 - 2 / Math.PI * Math.Atan(2), two.PValue, 1e-12);
        // Swapping the sides flips t and keeps p.
        var swapped = Statistics.Paired([(19.2, 20.1), (19.0, 19.5), (19.9, 20.8)]).Test!;
        Assert.Equal((-test.T, test.PValue), (swapped.T, swapped.PValue));
    }

    [Fact]
    public void Pairing_finds_a_gain_that_every_seed_shows_when_the_seeds_spread_more_than_the_gain()
    {
        // Teachers spread by seed (16 to 20); each student is its teacher minus 0.3 to 0.5.
        double[] teachers = [16.0, 18.0, 20.0, 17.0];
        double[] students = [15.6, 17.7, 19.5, 16.6];
        var welch = Statistics.Welch(teachers, students).Test!;
        var paired = Statistics.Paired(teachers.Zip(students).ToList()).Test!;
        Assert.True(welch.PValue > 0.5, $"Welch p {welch.PValue}");
        Assert.True(paired.PValue < 0.01, $"paired p {paired.PValue}");
    }

    [Fact]
    public void The_paired_test_says_why_it_has_no_p_value()
    {
        Assert.Contains("1 seed with both models finished", Statistics.Paired([(18.0, 17.0)]).Reason);
        Assert.Contains("0 seeds with both", Statistics.Paired([]).Reason);
        Assert.Contains("exactly the same amount", Statistics.Paired([(18.0, 17.0), (19.0, 18.0)]).Reason);
        // The same differences up to rounding (percentages of stored fractions): still no spread.
        Assert.Contains("exactly the same amount", Statistics.Paired([(0.30 * 100, 0.26 * 100), (0.32 * 100, 0.28 * 100)]).Reason);
        Assert.NotNull(Statistics.Paired([(30.0, 26.0), (32.0, 28.01)]).Test); // a real 0.01-point spread is kept
        Assert.Contains("not a finite number", Statistics.Paired([(18.0, double.NaN), (19.0, 18.0)]).Reason);
        Assert.Null(Statistics.Paired([(18.0, 17.0)]).PValue);
    }

    [Fact]
    public void Log_gamma_matches_known_values()
    {
        Assert.Equal(Math.Log(Math.Sqrt(Math.PI)), Statistics.LogGamma(0.5), 1e-13);
        Assert.Equal(Math.Log(362880), Statistics.LogGamma(10), 1e-12);
        Assert.Equal(Math.Log(Math.Sqrt(Math.PI) / 2), Statistics.LogGamma(1.5), 1e-13);
        Assert.Equal(Math.Log(3.6256099082219083119), Statistics.LogGamma(0.25), 1e-13); // Γ(1/4), through the reflection formula
    }
}
