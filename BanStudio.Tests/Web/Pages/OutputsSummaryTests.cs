using BanStudio.Training.Experiments;
using BanStudio.Web.Features.Experiments;
using BanStudio.Web.Features.Runs;
using Bunit;

namespace BanStudio.Tests.Web.Pages;

/// <summary>
/// The Outputs panel's summary over seeds, on a hand-made report whose means, differences and paired t-tests are worked
/// by hand: 3 pairs give df 2, where the two-sided p is 1 − t / √(2 + t²); 2 pairs df 1, where it is 1 − (2/π) atan |t|.
/// </summary>
public sealed class OutputsSummaryTests : IAsyncDisposable
{
    readonly PageContext _context = new();

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    static OutputsRow Row(string column, long seed, double error, double loss, int epochs = 5) =>
        new($"seed-{seed}/{column.ToLowerInvariant()}", column, seed, 0,
            new OutputProfile(100, 1, error, loss, 0.8, 0.85, 0.1, 0.15, 0.5, new long[OutputProfile.Bins], [50, 50], [[0.8, 0.2], [0.2, 0.8]]),
            [], epochs, true);

    static OutputsReport Report(params OutputsRow[] rows) => new(7, "exp", "test", 100, 1, 5, ["a", "b"], rows);

    // Teacher 10, 12, 14 %; BAN-1 9, 11, 14 % (1, 1, 0 points lower); the Baseline 12, 12 % and an unfinished seed 3.
    static readonly OutputsRow[] Seeds =
    [
        Row("Teacher", 1, 0.10, 0.50), Row("BAN-1", 1, 0.09, 0.45), Row("Baseline", 1, 0.12, 0.60),
        Row("Teacher", 2, 0.12, 0.60), Row("BAN-1", 2, 0.11, 0.55), Row("Baseline", 2, 0.12, 0.60),
        Row("Teacher", 3, 0.14, 0.70), Row("BAN-1", 3, 0.14, 0.62), Row("Baseline", 3, 0.30, 2.00, epochs: 3),
    ];

    static string Cell(IRenderedComponent<OutputsSummary> page, string column, string testId) =>
        page.Find($"[data-testid=outputs-summary-row][data-column='{column}'] [data-testid={testId}]").TextContent.Trim();

    [Fact]
    public async Task Each_column_is_summarised_over_its_seeds_and_paired_seed_by_seed_with_the_chosen_column()
    {
        var page = _context.Bunit.Render<OutputsSummary>(p => p.Add(c => c.Report, Report(Seeds)));

        Assert.Equal(["Teacher", "Baseline", "BAN-1"], page.FindAll("[data-testid=outputs-summary-row]").Select(r => r.GetAttribute("data-column")));
        Assert.Equal("3", Cell(page, "Teacher", "outputs-summary-n"));
        Assert.Equal("12.00 ± 2.00", Cell(page, "Teacher", "outputs-summary-error"));
        Assert.Equal("0.600 ± 0.100", Cell(page, "Teacher", "outputs-summary-loss"));
        Assert.Equal("", Cell(page, "Teacher", "outputs-summary-error-delta"));
        // BAN-1: error differences 1, 1, 0: mean 2/3, sd 1/√3, t = 2, p = 1 − 2/√6; loss 0.05, 0.05, 0.08: t = 6, p = 1 − 6/√38.
        Assert.Equal("+0.67 (p 0.184, lower in 2 of 3)", Cell(page, "BAN-1", "outputs-summary-error-delta"));
        Assert.Equal("+0.060 (p 0.027, lower in 3 of 3)", Cell(page, "BAN-1", "outputs-summary-loss-delta"));
        // The Baseline's unfinished seed 3 is left out (and named): 2 pairs, differences −2 and 0 points: t = −1, p = 0.5.
        Assert.Equal("2", Cell(page, "Baseline", "outputs-summary-n"));
        Assert.Equal("12.00 ± 0.00", Cell(page, "Baseline", "outputs-summary-error"));
        Assert.Equal("−1.00 (p 0.5, lower in 0 of 2)", Cell(page, "Baseline", "outputs-summary-error-delta"));
        Assert.Equal("−0.050 (p 0.5, lower in 0 of 2)", Cell(page, "Baseline", "outputs-summary-loss-delta"));
        var caption = page.Find("[data-testid=outputs-summary-caption]").TextContent;
        Assert.Contains("Δ = Teacher − column", caption);
        Assert.Contains("not counted: seed-3/baseline (unfinished: epoch 3 of 5)", caption);

        // Against the Baseline: BAN-1's differences 3 and 1 points (t = 2, p = 1 − (2/π) atan 2), the teacher's 2 and 0.
        var select = page.FindComponents<MudBlazor.MudSelect<string>>()
            .Single(s => Equals(s.Instance.UserAttributes.GetValueOrDefault("data-testid"), "outputs-against"));
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("Baseline"));
        Assert.Equal("+2.00 (p 0.295, lower in 2 of 2)", Cell(page, "BAN-1", "outputs-summary-error-delta"));
        Assert.Equal("+1.00 (p 0.5, lower in 1 of 2)", Cell(page, "Teacher", "outputs-summary-error-delta"));
        Assert.Equal("", Cell(page, "Baseline", "outputs-summary-error-delta"));
        Assert.Contains("Δ = Baseline − column", page.Find("[data-testid=outputs-summary-caption]").TextContent);
    }

    [Fact]
    public void One_seed_has_nothing_to_summarise_and_one_pair_has_no_p_value()
    {
        var single = _context.Bunit.Render<OutputsSummary>(p => p.Add(c => c.Report, Report(Seeds.Where(r => r.Seed == 1).ToArray())));
        Assert.Empty(single.FindAll("[data-testid=outputs-summary]"));

        // BAN-1 trained for seed 1 only: n = 1, one pair, no p-value, and the caption says why.
        var page = _context.Bunit.Render<OutputsSummary>(p => p.Add(c => c.Report,
            Report(Seeds.Where(r => r.Column == "Teacher" || (r.Column == "BAN-1" && r.Seed == 1)).ToArray())));
        Assert.Equal("9.00 (n=1)", Cell(page, "BAN-1", "outputs-summary-error"));
        Assert.Equal("+1.00 (lower in 1 of 1)", Cell(page, "BAN-1", "outputs-summary-error-delta"));
        Assert.Contains("no paired p-value: 1 seed with both models finished", page.Find("[data-testid=outputs-summary-caption]").TextContent);
    }
}
