namespace BanStudio.Tests.BadInput;

/// <summary>
/// Malformed and hostile experiment specs, each with the field its error must name. {ROOT} is a data root
/// of the receiver (the app's configured one; for the CLI Debian's /usr/share/datasets) and {LINK} a
/// symbolic link inside the app's root that points out of it.
/// </summary>
public static class HostileSpecs
{
    public sealed record Case(string Json, string Field, bool ApiOnly = false, int ApiStatus = 400);

    const string Dataset = """{ "kind": "builtin", "trainSize": 100, "testSize": 50 }""";
    const string Teacher = """{ "family": "wideresnet", "depth": 10, "widen": 1 }""";
    const string Schedule = """{ "epochs": 1, "batchSize": 50 }""";

    /// <summary>A valid spec with one member replaced (or added, when <paramref name="member"/> is new).</summary>
    static string With(string member, string value) => Spec((member, value));

    static string Spec(params (string Member, string Value)[] changes)
    {
        var members = new Dictionary<string, string>
        {
            ["name"] = "\"hostile\"", ["dataset"] = Dataset, ["teacher"] = Teacher, ["generations"] = "1",
            ["schedule"] = Schedule, ["seeds"] = "[1]",
        };
        foreach (var (member, value) in changes)
            if (value == "<absent>") members.Remove(member);
            else members[member] = value;
        return "{" + string.Join(", ", members.Select(m => $"\"{m.Key}\": {m.Value}")) + "}";
    }

    static string Data(string json) => With("dataset", json);
    static string Plan(string schedule) => With("schedule", schedule);

    public static readonly IReadOnlyDictionary<string, Case> All = new Dictionary<string, Case>
    {
        // Not a spec at all
        ["not-json"] = new("this is not JSON {", "$"),
        ["json-array"] = new("[1, 2, 3]", "$"),
        ["json-null"] = new("null", "$"),
        ["nested-5000-deep"] = new(new string('[', 5000) + new string(']', 5000), "$"),
        ["unknown-field-typo"] = new(With("generatoins", "3"), "generatoins"),
        // Wrong types
        ["name-is-a-number"] = new(With("name", "42"), "name"),
        ["generations-is-text"] = new(With("generations", "\"two\""), "generations"),
        ["learning-rate-is-text"] = new(Plan("""{ "epochs": 1, "learningRate": "fast" }"""), "schedule.learningRate"),
        ["learning-rate-is-NaN"] = new(Plan("""{ "epochs": 1, "learningRate": "NaN" }"""), "schedule.learningRate"),
        ["seeds-is-an-object"] = new(With("seeds", """{ "a": 1 }"""), "seeds"),
        // Missing or empty
        ["name-empty"] = new(With("name", "\"\""), "name"),
        ["name-600-characters"] = new(With("name", $"\"{new string('x', 600)}\""), "name"),
        ["teacher-missing"] = new(With("teacher", "<absent>"), "teacher"),
        ["seeds-empty"] = new(With("seeds", "[]"), "seeds"),
        // Negative or absurd sizes
        ["generations-negative"] = new(With("generations", "-1"), "generations"),
        ["generations-int-max"] = new(With("generations", "2147483647"), "generations"),
        ["generations-1e30"] = new(With("generations", "1e30"), "generations"),
        ["depth-negative"] = new(With("teacher", """{ "family": "wideresnet", "depth": -10, "widen": 1 }"""), "teacher.depth"),
        ["depth-breaks-6n+4"] = new(With("teacher", """{ "family": "wideresnet", "depth": 11, "widen": 1 }"""), "teacher.depth"),
        ["epochs-zero"] = new(Plan("""{ "epochs": 0 }"""), "schedule.epochs"),
        ["batch-size-100-million"] = new(Plan("""{ "epochs": 1, "batchSize": 100000000 }"""), "schedule.batchSize"),
        ["temperature-negative"] = new(With("temperature", "-1"), "temperature"),
        ["temperature-1e400"] = new(With("temperature", "1e400"), "temperature"),
        ["seeds-duplicated"] = new(With("seeds", "[1, 1]"), "seeds"),
        ["seeds-100"] = new(With("seeds", "[" + string.Join(",", Enumerable.Range(1, 100)) + "]"), "seeds"),
        ["train-limit-negative"] = new(Data("""{ "kind": "builtin", "trainSize": 100, "trainLimit": -1 }"""), "dataset.trainLimit"),
        ["test-size-negative"] = new(Data("""{ "kind": "builtin", "testSize": -5 }"""), "dataset.testSize"),
        // Would exhaust memory: refused before any tensor exists
        ["builtin-2-billion-images"] = new(Data("""{ "kind": "builtin", "trainSize": 2000000000 }"""), "dataset.trainSize"),
        ["widen-100000"] = new(With("teacher", """{ "family": "wideresnet", "depth": 10, "widen": 100000 }"""), "teacher.widen"),
        ["densenet-depth-1000000"] = new(With("teacher", """{ "family": "densenet", "depth": 1000000, "growth": 12 }"""), "teacher.depth"),
        ["densenet-growth-1000000"] = new(With("teacher", """{ "family": "densenet", "depth": 40, "growth": 1000000 }"""), "teacher.growth"),
        ["wrn-40-40-835M-parameters"] = new(With("teacher", """{ "family": "wideresnet", "depth": 40, "widen": 40 }"""), "teacher"),
        ["student-over-budget"] = new(With("student", """{ "family": "wideresnet", "depth": 100, "widen": 32 }"""), "student"),
        // Unknown names
        ["family-unknown"] = new(With("teacher", """{ "family": "transformer", "depth": 12 }"""), "teacher"),
        ["dataset-kind-unknown"] = new(Data("""{ "kind": "imagenet" }"""), "dataset.kind"),
        ["treatment-unknown"] = new(With("treatments", """["ban", "hypnosis"]"""), "treatments[1]"),
        ["generation-objective-cwtm"] = new(With("generationObjective", "\"cwtm\""), "generationObjective"),
        ["device-tpu"] = new(With("device", "\"tpu\""), "device"),
        // Plans that cannot be trained
        ["nothing-learns-from-the-teacher"] = new(With("generations", "0"), "generations"),
        ["banresnet-student-of-a-wideresnet"] = new(With("student",
            """{ "family": "banresnet", "teacher": { "depth": 40, "growth": 12 }, "block": "wide", "unitsPerBlock": 2 }"""), "student"),
        ["banresnet-matched-to-another-densenet"] = new(Spec(
            ("teacher", """{ "family": "densenet", "depth": 40, "growth": 12 }"""),
            ("student", """{ "family": "banresnet", "teacher": { "depth": 100, "growth": 12 }, "block": "wide", "unitsPerBlock": 2 }""")),
            "student.teacher"),
        ["shared-start-ban-treatment-is-ban-1-again"] = new(Spec(("treatments", """["ban", "cwtm"]"""), ("sharedStart", "true")), "sharedStart"),
        // Files outside the data roots
        ["path-etc"] = new(Data("""{ "kind": "fashion-mnist", "path": "/etc" }"""), "dataset.path"),
        ["path-dotdot-escape"] = new(Data("""{ "kind": "fashion-mnist", "path": "{ROOT}/../../../../etc" }"""), "dataset.path"),
        ["path-relative-escape"] = new(Data("""{ "kind": "cifar10", "path": "../../../../../../../../etc" }"""), "dataset.path"),
        ["path-symlink-out-of-root"] = new(Data("""{ "kind": "fashion-mnist", "path": "{LINK}" }"""), "dataset.path", ApiOnly: true),
        // Oversized: 2 MB, past the 1 MB limit
        ["body-2-MB"] = new(With("name", "\"big\"" + new string(' ', 2 << 20)), "$", ApiStatus: 413),
    };

    public static TheoryData<string> Names => new(All.Keys);
    public static TheoryData<string> CliNames => new(All.Where(c => !c.Value.ApiOnly).Select(c => c.Key));
}
