using BanStudio.Tests.Data;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Language;
using BanStudio.Training.Models;
using BanStudio.Training.Training;

namespace BanStudio.Tests.Experiments;

/// <summary>
/// What spec JSON writes, and the run fingerprints it feeds: a finished run is reused (and an interrupted one
/// resumed) only while its fingerprint is unchanged, so a change to how specs serialise must not move them.
/// </summary>
public sealed class SpecJsonStabilityTests
{
    static ExperimentSpec ImageSpec => new()
    {
        Name = "stability-images", Dataset = new DatasetSpec("builtin", TrainSize: 64, TestSize: 32),
        Teacher = new WideResNetSpec(10, 1), Generations = 2, Treatments = [Treatment.BanPlusLabel, Treatment.Dkpp], Ensembles = true,
        Schedule = new TrainingSchedule { Epochs = 3, BatchSize = 16 }, Seeds = [1],
    };

    static ExperimentSpec LanguageSpec => new()
    {
        Name = "stability-text", Dataset = new DatasetSpec(TextDatasets.BuiltinText, TrainSize: 200),
        Teacher = new LstmSpec(12, Dropout: 0) { InitRange = 0.1 }, Generations = 1, GenerationObjective = "ban+l",
        Schedule = new TrainingSchedule
        {
            Epochs = 2, BatchSize = 4, LearningRate = 1, Momentum = 0, Nesterov = false, WeightDecay = 0,
            Schedule = LearningRateSchedule.Plateau, Gamma = 0.25, ClipGradNorm = 5,
        },
        Seeds = [2],
    };

    [Fact]
    public void Fingerprints_of_existing_configurations_do_not_move()
    {
        using var folder = new TempFolder();
        // Computed with the code of commit feedebc, before computed properties were left out of spec JSON; runs
        // stored under these fingerprints exist in users' folders and databases.
        var images = new ExperimentRunner(ImageSpec, folder.Path);
        Assert.Equal(
            [
                "seed-1/teacher=722C04682CE9C0F2", "seed-1/ban-1=7247B3127823C52D", "seed-1/ban-2=15B9E62752055AEE",
                "seed-1/ban-plus-l=481CC51512C3866C", "seed-1/dkpp=3D30DA5358746D8D", "seed-1/ens-2=53B66F0A28B4BCED",
            ],
            images.Plan.Steps.Select(s => $"{s.Key}={images.FingerprintOf(s.Key)}"));
        var text = new ExperimentRunner(LanguageSpec, folder.Path);
        Assert.Equal(
            ["seed-2/teacher=3E1F3AD695203D7A", "seed-2/ban-1=F8A065053046D4C4"],
            text.Plan.Steps.Select(s => $"{s.Key}={text.FingerprintOf(s.Key)}"));
    }

    [Fact]
    public void Computed_properties_are_not_written_but_specs_that_have_them_still_parse()
    {
        var cross = ImageSpec with { Student = new PreResNetSpec(20) };
        string json = SpecJson.Write(cross);
        Assert.DoesNotContain("studentModel", json);
        Assert.DoesNotContain("isCrossArchitecture", json);
        var back = SpecJson.Parse<ExperimentSpec>(json, "spec");
        Assert.Equal(cross.Student, back.Student);
        Assert.True(back.IsCrossArchitecture);

        // As earlier versions wrote them (downloaded and stored specs): read, and the values ignored in favour of the
        // properties they are computed from.
        string older = json.TrimEnd().TrimEnd('}') +
            """, "studentModel": { "family": "wideresnet", "depth": 16, "widen": 8 }, "isCrossArchitecture": false }""";
        var parsed = SpecJson.Parse<ExperimentSpec>(older, "spec");
        Assert.Equal(cross.Student, parsed.StudentModel);
        Assert.True(parsed.IsCrossArchitecture);
        Assert.Equal(json, SpecJson.Write(parsed));
    }
}
