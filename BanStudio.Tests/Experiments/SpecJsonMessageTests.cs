using BanStudio.Training;
using BanStudio.Training.Experiments;

namespace BanStudio.Tests.Experiments;

/// <summary>A spec's JSON mistakes are told in the spec's words: the field, what it takes, the name meant; no .NET type names.</summary>
public sealed class SpecJsonMessageTests
{
    static SpecError ErrorOf(string json) =>
        Assert.Single(Assert.Throws<SpecValidationException>(() => SpecJson.Parse<ExperimentSpec>(json, "experiment spec")).Errors);

    const string Teacher = """ "teacher": { "family": "wideresnet", "depth": 10, "widen": 1 } """;

    [Theory]
    [InlineData($$"""{ "name": "x", {{Teacher}}, "generatoins": 2 }""", "generatoins", "generations")]
    [InlineData($$"""{ "name": "x", {{Teacher}}, "schedule": { "learningRat": 0.1 } }""", "schedule.learningRat", "learningRate")]
    [InlineData("""{ "name": "x", "teacher": { "family": "densenet", "depth": 40, "growht": 12 } }""", "teacher.growht", "growth")]
    public void A_misspelt_field_is_named_with_the_field_meant_in_its_own_part_and_the_fields_there_are(string json, string field, string meant)
    {
        var error = ErrorOf(json);
        Assert.Equal(field, error.Field);
        Assert.StartsWith($"\"{field.Split('.')[^1]}\" is not a field of the experiment spec here; did you mean \"{meant}\"?", error.Message);
        Assert.Contains("(the fields here: ", error.Message);
        Assert.DoesNotContain("BanStudio.", error.Message);
    }

    [Fact]
    public void A_name_far_from_every_field_gets_no_guess()
    {
        var error = ErrorOf($$"""{ "name": "x", {{Teacher}}, "optimizer": "adam" }""");
        Assert.DoesNotContain("did you mean", error.Message);
        Assert.Contains("the fields here:", error.Message);
    }

    [Theory]
    [InlineData("\"generations\": \"two\"", "generations", "\"generations\" in the experiment spec takes a whole number, e.g. 3")]
    [InlineData("\"schedule\": { \"learningRate\": \"fast\" }", "schedule.learningRate", "\"learningRate\" in the experiment spec takes a number, e.g. 0.1")]
    [InlineData("\"ensembles\": \"yes\"", "ensembles", "\"ensembles\" in the experiment spec takes true or false")]
    [InlineData("\"seeds\": 3", "seeds", "\"seeds\" in the experiment spec takes a list in square brackets, e.g. [1, 2]")]
    public void A_value_of_the_wrong_kind_says_what_the_field_takes(string member, string field, string message)
    {
        var error = ErrorOf($$"""{ "name": "x", {{Teacher}}, {{member}} }""");
        Assert.Equal((field, message), (error.Field, error.Message));
    }

    [Fact]
    public void A_schedule_name_it_does_not_know_lists_the_ones_there_are()
    {
        var error = ErrorOf($$"""{ "name": "x", {{Teacher}}, "schedule": { "schedule": "linear" } }""");
        Assert.Equal("schedule.schedule", error.Field);
        Assert.Contains("takes one of \"multi-step\"", error.Message);
        Assert.Contains("\"cosine\"", error.Message);
    }
}
