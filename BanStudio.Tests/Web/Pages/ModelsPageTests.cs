using Bunit;
// Aliased: BanStudio.Tests.Models is a namespace too.
using ModelsPage = BanStudio.Web.Features.Models.Models;

namespace BanStudio.Tests.Web.Pages;

public sealed class ModelsPageTests : IAsyncDisposable
{
    readonly PageContext _context = new();

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public void Each_preset_is_a_row_with_its_counts_for_10_and_100_classes_and_the_papers_figures()
    {
        var page = _context.Bunit.Render<ModelsPage>();

        var rows = page.FindAll("tbody tr.mud-table-row").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();
        Assert.Equal(BanStudio.Training.Models.ModelPresets.All.Count, rows.Count);
        var wrn = Assert.Single(rows, r => r[0] == "WRN-28-10");
        Assert.Equal(["WRN-28-10", "Wide-ResNet", "36.48M", "36.54M"], wrn[..4]);
        Assert.Contains("36.5M (10 classes, Zagoruyko & Komodakis 2016)", wrn[4]);
        // Language models are counted for PTB's vocabulary (docs/language-models.md: LSTM-2x1500 51.03M), not for classes.
        var lstm = Assert.Single(rows, r => r[0] == "LSTM-2x1500");
        Assert.Equal(["LSTM-2x1500", "LSTM language model", "PTB: 51.03M", "—"], lstm[..4]);
        Assert.Contains("52M (10,000-word vocabulary, Table 6)", lstm[4]);
    }
}
