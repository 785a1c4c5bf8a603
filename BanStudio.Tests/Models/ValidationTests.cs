using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Models;

namespace BanStudio.Tests.Models;

public class ValidationTests
{
    [Fact]
    public void Densenet_depth_off_the_6n_plus_4_rule_names_the_field_and_the_nearest_depths()
    {
        var error = Assert.Single(new DenseNetSpec(90, 60).Validate());
        Assert.Equal("depth", error.Field);
        Assert.Equal("depth 90 does not fit DenseNet-BC's 6n+4 rule; nearest valid depths are 88 and 94, or give unitsPerBlock explicitly", error.Message);
    }

    [Fact]
    public void Densenet_without_bottleneck_follows_the_3n_plus_4_rule()
    {
        Assert.Empty(new DenseNetSpec(40, 12, Compression: 1, Bottleneck: false).Validate());
        var error = Assert.Single(new DenseNetSpec(41, 12, Compression: 1, Bottleneck: false).Validate());
        Assert.Contains("3n+4", error.Message);
        Assert.Contains("nearest valid depths are 40 and 43", error.Message);
    }

    [Fact]
    public void Explicit_units_per_block_lift_the_depth_rule()
    {
        Assert.Empty(new DenseNetSpec(90, 60) { UnitsPerBlock = [14, 14, 14] }.Validate());
        var error = Assert.Single(new DenseNetSpec(90, 60) { UnitsPerBlock = [14, 14] }.Validate());
        Assert.Equal("unitsPerBlock", error.Field);
    }

    [Theory]
    [InlineData(30, "depth 30 does not fit Wide-ResNet's 6n+4 rule; nearest valid depths are 28 and 34")]
    [InlineData(4, "depth 4 does not fit Wide-ResNet's 6n+4 rule; the smallest valid depth is 10")]
    public void Wide_resnet_depth_errors_name_the_nearest_valid_depths(int depth, string message)
    {
        var error = Assert.Single(new WideResNetSpec(depth, 10).Validate());
        Assert.Equal(new SpecError("depth", message), error);
    }

    [Fact]
    public void Pre_resnet_depth_follows_the_9n_plus_2_rule()
    {
        Assert.Empty(new PreResNetSpec(1001).Validate());
        var error = Assert.Single(new PreResNetSpec(1000).Validate());
        Assert.Equal(new SpecError("depth", "depth 1000 does not fit bottleneck Pre-ResNet's 9n+2 rule; nearest valid depths are 992 and 1001"), error);
    }

    [Fact]
    public void Every_problem_is_reported_with_its_json_field()
    {
        var errors = new DenseNetSpec(90, 0, Compression: 1.5) { GrowthPerBlock = [1, 2], StemChannels = 0 }.Validate();
        Assert.Equal(["depth", "growth", "growthPerBlock", "compression", "stemChannels"], errors.Select(e => e.Field));
    }

    [Fact]
    public void Ban_resnet_reports_its_teachers_problems_under_teacher()
    {
        var spec = new BanResNetSpec(new DenseNetSpec(90, 60), ResidualBlock.Wide, 0, WidthRatio: 0);
        Assert.Equal(["teacher.depth", "unitsPerBlock", "widthRatio"], spec.Validate().Select(e => e.Field));
    }

    [Fact]
    public void Ban_resnet_rejects_a_ratio_too_narrow_for_a_bottleneck_unit()
    {
        // DenseNet-BC-16-4's stages hand on 8, 8 and 16 channels; a quarter of 8 is 2, narrower than a bottleneck's 4.
        var error = Assert.Single(new BanResNetSpec(new DenseNetSpec(16, 4), ResidualBlock.Bottleneck, 1, WidthRatio: 0.25).Validate());
        Assert.Equal("widthRatio", error.Field);
    }

    [Fact]
    public void Building_an_invalid_spec_throws_with_every_error()
    {
        var exception = Assert.Throws<SpecValidationException>(() => new WideResNetSpec(30, 0).Build(new DataShape(3, 32, 10)));
        Assert.Equal(["depth", "widen"], exception.Errors.Select(e => e.Field));
    }
}
