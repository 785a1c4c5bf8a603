using System.Text.Json;
using BanStudio.Training.Models;

namespace BanStudio.Tests.Models;

public class JsonTests
{
    public static TheoryData<string> PresetNames() => [.. ModelPresets.All.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(PresetNames))]
    public void Every_preset_survives_a_round_trip_through_json(string name)
    {
        var spec = ModelPresets.Get(name);
        var json = ModelSpecJson.Serialize(spec);
        var read = ModelSpecJson.Deserialize(json);

        Assert.Equal(spec, read);
        Assert.Equal(spec.GetType(), read.GetType());
        Assert.Equal(name, read.DisplayName);
    }

    [Fact]
    public void A_hand_written_densenet_takes_the_defaults()
    {
        var spec = ModelSpecJson.Deserialize("""{"family":"densenet","depth":112,"growth":33}""");
        Assert.Equal(new DenseNetSpec(112, 33, Compression: 0.5, Bottleneck: true), spec);
    }

    [Fact]
    public void Specs_are_written_in_camel_case_with_the_family_first_and_without_unset_options()
    {
        var json = ModelSpecJson.Serialize(new DenseNetSpec(90, 60) { UnitsPerBlock = [14, 14, 14] });
        Assert.Equal("""{"family":"densenet","depth":90,"growth":60,"compression":0.5,"bottleneck":true,"unitsPerBlock":[14,14,14],"compressFinalBlock":false}""",
            System.Text.RegularExpressions.Regex.Replace(json, @"\s", "")); // indentation aside
    }

    [Fact]
    public void The_family_may_come_anywhere_in_the_object()
    {
        var spec = ModelSpecJson.Deserialize("""{"depth":28,"widen":10,"family":"wideresnet"}""");
        Assert.Equal(new WideResNetSpec(28, 10, DropRate: 0.3), spec);
    }

    [Fact]
    public void A_ban_resnet_nests_its_teacher_and_names_its_block()
    {
        var spec = ModelSpecJson.Deserialize("""
            {"family":"banresnet","block":"bottleneck","unitsPerBlock":14,"widthRatio":0.5,
             "teacher":{"depth":90,"growth":60,"unitsPerBlock":[14,14,14],"compressFinalBlock":true}}
            """);
        var ban = Assert.IsType<BanResNetSpec>(spec);
        Assert.Equal(ResidualBlock.Bottleneck, ban.Block);
        Assert.Equal(ModelPresets.DenseNet90_60 with { Name = null }, ban.Teacher);
    }

    [Fact]
    public void A_ban_resnet_without_a_teacher_is_invalid_not_a_crash()
    {
        var spec = ModelSpecJson.Deserialize("""{"family":"banresnet","block":"wide","unitsPerBlock":1}""");
        Assert.Equal("teacher", Assert.Single(spec.Validate()).Field);
    }

    [Fact]
    public void An_unknown_family_is_named_with_the_known_ones()
    {
        var error = Assert.Throws<JsonException>(() => ModelSpecJson.Deserialize("""{"family":"transformer","units":1500}"""));
        Assert.Equal("Unknown model family \"transformer\"; known families are banresnet, cnnlstm, densenet, lstm, preresnet, wideresnet.", error.Message);
    }

    [Fact]
    public void A_misspelt_member_is_refused_rather_than_ignored()
    {
        var error = Assert.Throws<JsonException>(() => ModelSpecJson.Deserialize("""{"family":"densenet","depth":40,"growht":12}"""));
        Assert.Contains("growht", error.Message);
    }

    [Fact]
    public void A_missing_family_is_reported()
    {
        var error = Assert.Throws<JsonException>(() => ModelSpecJson.Deserialize("""{"depth":28,"widen":10}"""));
        Assert.Contains("\"family\"", error.Message);
    }
}
