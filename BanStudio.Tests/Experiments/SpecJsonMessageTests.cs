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

    static IReadOnlyList<SpecError> ErrorsOf(string json) =>
        Assert.Throws<SpecValidationException>(() => SpecJson.Parse<ExperimentSpec>(json, "experiment spec")).Errors;

    [Fact]
    public void Every_json_mistake_of_a_file_is_reported_at_once_in_the_files_order()
    {
        var errors = ErrorsOf("""
            {
              "name": "x",
              "teacher": { "family": "densenet", "depth": 40, "growht": 12 },
              "generatoins": 2,
              "schedule": { "learningRat": 0.1, "epochs": "ten" },
              "seeds": 3
            }
            """);
        Assert.Equal(["teacher.growht", "generatoins", "schedule.learningRat", "schedule.epochs", "seeds"], errors.Select(e => e.Field));
        Assert.Contains("did you mean \"growth\"", errors[0].Message);
        Assert.Contains("did you mean \"generations\"", errors[1].Message);
        Assert.Equal("\"epochs\" in the experiment spec takes a whole number, e.g. 3", errors[3].Message);
        Assert.Equal("\"seeds\" in the experiment spec takes a list in square brackets, e.g. [1, 2]", errors[4].Message);
    }

    [Fact]
    public void An_unknown_family_and_a_typo_elsewhere_are_both_reported_and_the_teacher_is_not_called_missing()
    {
        var errors = ErrorsOf("""{ "name": "x", "teacher": { "family": "resnext", "depth": 10 }, "tempreature": 2 }""");
        Assert.Equal(["teacher", "tempreature"], errors.Select(e => e.Field));
        Assert.Contains("known families are", errors[0].Message);
        Assert.Contains("did you mean \"temperature\"", errors[1].Message);
    }

    [Fact]
    public void Wrong_items_of_one_list_are_told_at_the_places_the_file_has_them()
    {
        var errors = ErrorsOf($$"""{ "name": "x", {{Teacher}}, "seeds": [1, "two", 3, "four", "five"], "tempreature": 2 }""");
        Assert.Equal(["seeds[1]", "seeds[3]", "seeds[4]", "tempreature"], errors.Select(e => e.Field));
        Assert.All(errors.Take(3), e => Assert.Contains("takes a whole number", e.Message));

        var treatments = ErrorsOf($$"""{ "name": "x", {{Teacher}}, "treatments": ["cwtm", "bogus", "dkpp", "nope"], "seeds": [1, "a"] }""");
        Assert.Equal(["treatments[1]", "treatments[3]", "seeds[1]"], treatments.Select(e => e.Field));
        Assert.Contains("\"dkpp\"", treatments[1].Message);
    }

    [Fact]
    public void Broken_json_gives_its_one_message_and_a_spec_without_mistakes_still_parses()
    {
        var broken = Assert.Single(ErrorsOf("""{ "name": "x" "generatoins": 2 }"""));
        Assert.Contains("not valid JSON", broken.Message);
        var spec = SpecJson.Parse<ExperimentSpec>($$"""{ "name": "x", {{Teacher}}, "generations": 2 }""", "experiment spec");
        Assert.Equal(2, spec.Generations);
    }
}
