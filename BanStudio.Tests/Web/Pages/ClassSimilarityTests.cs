using BanStudio.Training.Experiments;
using BanStudio.Web.Features.Experiments;
using BanStudio.Web.Features.Runs;
using Bunit;

namespace BanStudio.Tests.Web.Pages;

/// <summary>The Outputs panel's "by class" view of a report: the most alike pairs, the shaded matrix, its limit.</summary>
public sealed class ClassSimilarityTests : IAsyncDisposable
{
    readonly PageContext _context = new();

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    static OutputProfile Profile(long[] counts, double[][] means) =>
        new(100, 1, 0.1, 0.3, 0.8, 0.85, 0.1, 0.15, 0.5, new long[OutputProfile.Bins], counts, means);

    static OutputsReport Report(IReadOnlyList<string> names, params OutputsRow[] rows) =>
        new(7, "exp", "train", 100, 1, 5, names, rows);

    static OutputsRow Row(string key, string column, OutputProfile? profile) =>
        new(key, column, 1, 0, profile, profile is null ? ["/x/checkpoint.bin"] : [], profile is null ? null : 5, profile is null ? null : true);

    [Fact]
    public void The_first_profiled_model_is_shown_with_its_most_alike_pairs_and_a_matrix_shaded_off_the_diagonal()
    {
        // Three classes; the untrained first row is skipped. "cat" images lean to "dog" (0.3), "dog" to "cat" (0.2).
        var teacher = Profile([40, 50, 10], [[0.6, 0.3, 0.1], [0.2, 0.75, 0.05], [0.0, 0.1, 0.9]]);
        var page = _context.Bunit.Render<ClassSimilarity>(p => p.Add(c => c.Report,
            Report(["cat", "dog", "car"], Row("seed-1/ban-1", "BAN-1", null), Row("seed-1/teacher", "Teacher", teacher))));

        Assert.Equal(["cat → dog: 0.300", "dog → cat: 0.200", "cat → car: 0.100", "car → dog: 0.100", "dog → car: 0.050", "car → cat: 0.000"],
            page.FindAll("[data-testid=classes-pair]").Select(li => li.TextContent.Trim()));
        var rows = page.FindAll("[data-testid=classes-matrix-row]");
        Assert.Equal(3, rows.Count);
        Assert.Equal("cat (40)", rows[0].QuerySelector("th")!.TextContent.Trim());
        var cells = page.FindAll("[data-testid=classes-cell]");
        Assert.Equal(["0.600", "0.300", "0.100", "0.200", "0.750", "0.050", "0.000", "0.100", "0.900"], cells.Select(c => c.TextContent.Trim()));
        // The largest off-diagonal mean is the darkest cell; the diagonal is greyed, whatever its value.
        Assert.Contains("rgba(25, 118, 210, 0.85)", cells[1].GetAttribute("style"));
        Assert.Contains("rgba(25, 118, 210, 0.567)", cells[3].GetAttribute("style")); // 0.2 / 0.3 of it
        Assert.Contains("#eeeeee", cells[4].GetAttribute("style"));
        Assert.Equal("/api/experiments/7/outputs-classes.csv?split=train", page.Find("[data-testid=classes-csv]").GetAttribute("href"));
    }

    [Fact]
    public void More_classes_than_the_limit_show_the_pairs_and_leave_the_matrix_to_the_csv()
    {
        int n = ClassSimilarity.MatrixLimit + 1;
        var means = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => i == j ? 0.5 : 0.5 / (n - 1) * (j == (i + 1) % n ? 2 : 1) / (1 + 1.0 / (n - 1))).ToArray()).ToArray();
        var page = _context.Bunit.Render<ClassSimilarity>(p => p.Add(c => c.Report,
            Report(Enumerable.Range(0, n).Select(i => $"c{i}").ToList(), Row("seed-1/teacher", "Teacher", Profile(Enumerable.Repeat(5L, n).ToArray(), means)))));

        Assert.Empty(page.FindAll("[data-testid=classes-matrix]"));
        Assert.Contains($"{n} classes", page.Find("[data-testid=classes-matrix-note]").TextContent);
        // Each class leans most to the next one: those n pairs come first, by class.
        Assert.Equal(Enumerable.Range(0, ClassSimilarity.PairCount).Select(i => $"c{i} → c{(i + 1) % n}"),
            page.FindAll("[data-testid=classes-pair]").Select(li => li.TextContent.Split(':')[0].Trim()));
    }
}
