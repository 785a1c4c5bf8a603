using BanStudio.Training.Data;
using BanStudio.Training.Models;

namespace BanStudio.Tests.Models;

public class PresetTests
{
    [Fact]
    public void Presets_are_valid_and_uniquely_named()
    {
        Assert.All(ModelPresets.All, p => Assert.Empty(p.Spec.Validate()));
        Assert.Equal(ModelPresets.All.Count, ModelPresets.All.Select(p => p.Name.ToLowerInvariant()).Distinct().Count());
    }

    [Theory]
    [InlineData("WRN-28-1")]
    [InlineData("WRN-28-2")]
    [InlineData("WRN-28-5")]
    [InlineData("WRN-28-10")]
    [InlineData("WRN-16-4")]
    [InlineData("DenseNet-112-33")]
    [InlineData("DenseNet-90-60")]
    [InlineData("DenseNet-80-80")]
    [InlineData("DenseNet-80-120")]
    [InlineData("DenseNet-7-1-2")]
    [InlineData("DenseNet-14-0.5-1")]
    [InlineData("Pre-ResNet-1001")]
    [InlineData("BAN-Pre-ResNet-14-0.5")]
    [InlineData("BAN-Pre-ResNet-14-1")]
    [InlineData("BAN-Wide-ResNet-1-1")]
    [InlineData("BAN-Match-Wide-ResNet-2-1")]
    [InlineData("BAN-Wide-ResNet-4-0.5")]
    [InlineData("BAN-Wide-ResNet-4-1")]
    [InlineData("DenseNet-BC-40-12")]
    [InlineData("DenseNet-BC-100-12")]
    public void The_papers_networks_are_presets_under_their_paper_names(string name)
    {
        Assert.Equal(name, ModelPresets.Get(name).DisplayName);
    }

    [Fact]
    public void Lookup_ignores_case_and_an_unknown_name_lists_the_presets()
    {
        Assert.Equal(new WideResNetSpec(28, 10), ModelPresets.Get("wrn-28-10"));
        Assert.Null(ModelPresets.Find("WRN-28-11"));
        var error = Assert.Throws<KeyNotFoundException>(() => ModelPresets.Get("WRN-28-11"));
        Assert.Contains("WRN-28-10", error.Message);
    }

    [Fact]
    public void Tiny_presets_stay_under_150_thousand_parameters()
    {
        var shape = new DataShape(3, 32, 10);
        var tiny = new[] { "DenseNet-BC-22-12", "WRN-10-1", "BAN-Wide-ResNet-1-1/DenseNet-BC-22-12" };
        Assert.All(tiny, name => Assert.InRange(ModelPresets.Get(name).CountParameters(shape), 50_000, 150_000));
    }

    [Fact]
    public void Table_4_students_keep_the_teachers_hidden_state_sizes_after_each_transition()
    {
        // Section 3.3: the students of Table 4 match DenseNet-90-60's 480/660/750 channels after each transition
        // (the compression variants to within rounding of their growth rates).
        var teacher = ModelPresets.DenseNet90_60.Layout().Blocks.Select(b => b.StageChannels).ToArray();
        foreach (var name in new[] { "DenseNet-7-1-2", "DenseNet-28-1-0.5", "DenseNet-42-1-0.33", "DenseNet-56-1-0.25" })
            Assert.Equal(teacher, ((DenseNetSpec)ModelPresets.Get(name)).Layout().Blocks.Select(b => b.StageChannels));
        foreach (var name in new[] { "DenseNet-14-0.5-1", "DenseNet-14-0.75-1", "DenseNet-14-1.5-1" })
            Assert.All(teacher.Zip(((DenseNetSpec)ModelPresets.Get(name)).Layout().Blocks.Select(b => b.StageChannels)),
                pair => Assert.InRange(pair.Second, pair.First - 6, pair.First + 6));
    }
}
