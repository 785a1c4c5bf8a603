using System.Globalization;
using System.Text.Json;

namespace BanStudio.Tests.Cli;

/// <summary>
/// <c>outputs</c> on an experiment <c>run</c> trained: each model's and ensemble's profile comes from its own final
/// weights (its test error equals the one the run stored), and bad requests are refused naming what to change.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class OutputsVerbTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("ban-outputs-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    string Write(string name, string json)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    static Dictionary<string, string>[] ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToArray();
    }

    static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public void By_class_a_dataset_that_names_no_classes_is_printed_by_number()
    {
        // Three classes: class 0's images give class 2 0.3, class 1's give class 0 0.2, class 2 has no images.
        double[][] means = [[0.6, 0.1, 0.3], [0.2, 0.7, 0.1], [0, 0, 0]];
        var profile = new BanStudio.Training.Experiments.OutputProfile(20, 1, 0.3, 0.45, 0.65, 0.7, 0.1, 0.35, 0.9, new long[10], [12, 8, 0], means);
        var step = BanStudio.Training.Experiments.ExperimentPlan.Create(new BanStudio.Training.Experiments.ExperimentSpec
        {
            Name = "numbers", Dataset = new BanStudio.Training.Data.DatasetSpec(BanStudio.Training.Data.DatasetKinds.Builtin),
            Teacher = new BanStudio.Training.Models.WideResNetSpec(10, 1), Generations = 0, Seeds = [1],
        }).Steps[0];
        var text = new StringWriter();

        BanStudio.Web.Cli.OutputsVerb.WriteClasses(text, [new BanStudio.Training.Experiments.StepOutputs(step, profile, [])], [], "test");

        var lines = text.ToString().Split('\n').Select(l => l.TrimEnd()).Where(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
        Assert.Equal("0", lines[0].Trim().Split(' ')[0]);
        Assert.Contains("p* 0.600  2 0.300, 1 0.100", lines[0]);
        Assert.Contains("p* 0.700  0 0.200, 2 0.100", lines[1]);
        Assert.Equal("2            no images", lines[2].Trim());
        Assert.Equal("most alike: 0 -> 2 0.300, 1 -> 0 0.200, 0 -> 1 0.100, 1 -> 2 0.100", lines[3].Trim());
    }

    [Fact]
    public async Task Every_model_and_ensemble_is_profiled_from_its_own_final_weights()
    {
        string spec = Write("exp.json", """
            {"name": "profiled", "dataset": {"kind": "builtin", "trainSize": 200, "testSize": 100},
             "teacher": {"family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0},
             "generations": 2, "treatments": [], "ensembles": true,
             "schedule": {"epochs": 2, "batchSize": 50, "learningRate": 0.05}, "seeds": [3]}
            """);
        string folder = Path.Combine(_dir, "exp");
        var run = await CliRun.RunAsync("run", spec, "--out", folder, "--database", Path.Combine(_dir, "studio.db"));
        Assert.True(run.Code == 0, run.Err);

        string csv = Path.Combine(_dir, "test.csv");
        var (code, output, error) = await CliRun.RunAsync("outputs", spec, "--out", folder, "--split", "test", "--csv", csv);
        Assert.True(code == 0, error);
        Assert.Contains("outputs on the test split", output);
        var rows = ReadCsv(csv);
        Assert.Equal(["seed-3/teacher", "seed-3/ban-1", "seed-3/ban-2", "seed-3/ens-2"], rows.Select(r => r["key"]));
        foreach (var row in rows)
        {
            // The test error run stored for this step (from the trainer's own evaluation, or Eq. 4's for the ensemble).
            using var stored = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, row["key"], "result.json")));
            Assert.Equal(stored.RootElement.GetProperty("finalTestError").GetDouble(), Number(row["error"]), 9);
            // and its test loss (float32 in training, float64 here)
            Assert.Equal(stored.RootElement.GetProperty("finalTestLoss").GetDouble(), Number(row["loss"]), 5);
            Assert.Equal("100", row["samples"]);
            Assert.Equal("2", row["epochs"]); // the checkpoint's epochs: all of the schedule's
            Assert.Equal("true", row["matches_spec"]);
            Assert.DoesNotContain("unfinished", output);
            Assert.DoesNotContain(BanStudio.Web.Cli.OutputsVerb.OtherConfiguration, output);
            Assert.Equal(100, Enumerable.Range(0, 10).Sum(b => int.Parse(row[$"true_p_bin_{b}"], CultureInfo.InvariantCulture)));
            Assert.Equal(1 - Number(row["mean_max_probability"]), Number(row["mean_dark_mass"]), 12);
            Assert.InRange(Number(row["mean_true_probability"]), 0, Number(row["mean_max_probability"]));
        }
        // Different weights give different outputs: the students are not the teacher read three times.
        Assert.Equal(4, rows.Select(r => r["mean_true_probability"]).Distinct().Count());

        // By class: every true class's mean p is a distribution, the images per class add up to the split, and the
        // diagonal weighted by them is the step's mean p* of the table above (labels, not argmaxes, index the rows).
        string classesCsv = Path.Combine(_dir, "classes.csv");
        var byClass = await CliRun.RunAsync("outputs", spec, "--out", folder, "--split", "test", "--classes", "--classes-csv", classesCsv);
        Assert.True(byClass.Code == 0, byClass.Err);
        var names = BanStudio.Training.Data.BuiltinDataset.ClassNames;
        var cells = ReadCsv(classesCsv);
        Assert.Equal(4 * names.Count * names.Count, cells.Length);
        foreach (var step in rows)
        {
            var mine = cells.Where(c => c["key"] == step["key"]).ToList();
            var counts = mine.Where(c => c["class"] == "0").ToDictionary(c => int.Parse(c["true_class"], CultureInfo.InvariantCulture), c => int.Parse(c["images"], CultureInfo.InvariantCulture));
            Assert.Equal(100, counts.Values.Sum());
            foreach (var group in mine.GroupBy(c => c["true_class"]).Where(g => counts[int.Parse(g.Key, CultureInfo.InvariantCulture)] > 0))
                Assert.Equal(1, group.Sum(c => Number(c["mean_probability"])), 9);
            double diagonal = mine.Where(c => c["true_class"] == c["class"]).Sum(c => counts[int.Parse(c["class"], CultureInfo.InvariantCulture)] * Number(c["mean_probability"])) / 100;
            Assert.Equal(Number(step["mean_true_probability"]), diagonal, 9);
            Assert.Equal(names, mine.Where(c => c["true_class"] == "0").Select(c => c["class_name"]));
            Assert.Contains($"{step["key"]} ({step["column"]}): by true class on the test images", byClass.Out);
        }
        Assert.Equal(4, byClass.Out.Split('\n').Count(l => l.StartsWith("  most alike: ", StringComparison.Ordinal)));
        Assert.Equal(4 * names.Count, byClass.Out.Split('\n').Count(l => names.Any(n => l.StartsWith($"  {n} ", StringComparison.Ordinal))));

        // The default split is the training images (200 here), one line per step in the printed table.
        var train = await CliRun.RunAsync("outputs", spec, "--out", folder, "--step", "seed-3/ban-1");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("train split of Built-in shapes (200 images", train.Out);
        Assert.Single(train.Out.Split('\n'), l => l.StartsWith("seed-3/ban-1", StringComparison.Ordinal));
        Assert.DoesNotContain("seed-3/teacher ", train.Out);

        // Checkpoints that hold fewer epochs than the spec asks for (a cancelled run; here a spec asking for 3) are flagged.
        string longer = Write("longer.json", File.ReadAllText(spec).Replace("\"epochs\": 2", "\"epochs\": 3", StringComparison.Ordinal));
        var unfinished = await CliRun.RunAsync("outputs", longer, "--out", folder, "--step", "seed-3/teacher", "--step", "seed-3/ens-2");
        Assert.True(unfinished.Code == 0, unfinished.Err);
        Assert.Equal(2, unfinished.Out.Split('\n').Count(l => l.StartsWith("seed-3/", StringComparison.Ordinal) && l.Contains("(unfinished: epoch 2 of 3)", StringComparison.Ordinal)));

        // A spec edited after the run is profiled against the weights on disk, and the steps it changes are flagged:
        // BAN's temperature is in the students' configuration (and in the ensemble's, through its members), not the teacher's.
        string hotter = Write("hotter.json", File.ReadAllText(spec).Replace("\"generations\": 2", "\"temperature\": 2, \"generations\": 2", StringComparison.Ordinal));
        string hotterCsv = Path.Combine(_dir, "hotter.csv");
        var edited = await CliRun.RunAsync("outputs", hotter, "--out", folder, "--csv", hotterCsv);
        Assert.True(edited.Code == 0, edited.Err);
        Assert.Equal(["true", "false", "false", "false"], ReadCsv(hotterCsv).Select(r => r["matches_spec"]));
        Assert.Equal(["seed-3/ban-1", "seed-3/ban-2", "seed-3/ens-2"],
            edited.Out.Split('\n').Where(l => l.EndsWith(BanStudio.Web.Cli.OutputsVerb.OtherConfiguration, StringComparison.Ordinal)).Select(l => l.Split(' ')[0]));
        Assert.Equal("2", ReadCsv(hotterCsv)[0]["temperature"]); // profiled at the spec's temperature

        // A model whose checkpoint is gone is named, with the file, and so is the ensemble that needs it.
        File.Delete(Path.Combine(folder, "seed-3", "ban-2", "checkpoint.bin"));
        var partial = await CliRun.RunAsync("outputs", spec, "--out", folder);
        Assert.True(partial.Code == 0, partial.Err);
        Assert.Contains($"seed-3/ban-2         BAN-2      not trained yet: no {Path.Combine(folder, "seed-3", "ban-2", "checkpoint.bin")}", partial.Out);
        Assert.Contains("seed-3/ens-2         Ens*2      not trained yet", partial.Out);

        // A checkpoint cut short is reported with its path (exit 1), not as a stack trace.
        string teacher = Path.Combine(folder, "seed-3", "teacher", "checkpoint.bin");
        File.WriteAllBytes(teacher, File.ReadAllBytes(teacher)[..4000]);
        var corrupt = await CliRun.RunAsync("outputs", spec, "--out", folder, "--step", "seed-3/teacher");
        Assert.Equal(1, corrupt.Code);
        Assert.Contains($"checkpoint problem: {teacher}", corrupt.Err);
    }

    /// <summary>The paired t-test's two-sided p for 2 pairs (1 degree of freedom: Student's t is Cauchy's), by hand.</summary>
    static double PairedP(double[] differences)
    {
        double mean = differences.Average();
        double sd = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (differences.Length - 1));
        double t = mean / (sd / Math.Sqrt(differences.Length));
        Assert.Equal(2, differences.Length);
        return 1 - 2 / Math.PI * Math.Atan(Math.Abs(t));
    }

    static string Signed(double v, int decimals) => BanStudio.Web.Features.Compare.SummaryCell.Signed(v, decimals);
    static string P(double p) => BanStudio.Web.Features.Compare.SummaryCell.FormatP(p);

    [Fact]
    public async Task Over_several_seeds_each_column_is_summarised_and_paired_seed_by_seed_and_can_be_scored_on_the_whole_test_set()
    {
        // Trained and tested on 60 of the built-in data's 120 test images, 2 seeds: a BAN spec (teacher, BAN-1) and its
        // label-trained Baseline's spec, run into the same folder (the second reuses the teachers), profiled together.
        const string common = """
            "dataset": {"kind": "builtin", "trainSize": 200, "testSize": 120, "testLimit": 60},
             "teacher": {"family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0}, "ensembles": false,
             "schedule": {"epochs": 1, "batchSize": 50, "learningRate": 0.05}, "seeds": [1, 2]}
            """;
        string ban = Write("ban.json", """{"name": "ban", "generations": 1, "treatments": [], """ + common);
        string baseline = Write("baseline.json", """{"name": "baseline", "generations": 0, "treatments": ["baseline"], """ + common);
        string folder = Path.Combine(_dir, "seeds");
        foreach (string spec in new[] { ban, baseline })
        {
            var run = await CliRun.RunAsync("run", spec, "--out", folder, "--database", Path.Combine(_dir, "studio.db"));
            Assert.True(run.Code == 0, run.Err);
        }

        static string Line(string text, string column) => Assert.Single(text.Split('\n'), l => l.StartsWith(column + " ", StringComparison.Ordinal)).TrimEnd();
        static double Figure(Dictionary<string, string>[] rows, string key, string field) => Number(rows.Single(r => r["key"] == key)[field]);
        static double[] Seeds(Dictionary<string, string>[] rows, string step, string field, double scale = 1) =>
            [Figure(rows, $"seed-1/{step}", field) * scale, Figure(rows, $"seed-2/{step}", field) * scale];
        // Δ as on the Compare page: the reference minus the column, positive where the column is lower.
        static double[] Minus(double[] reference, double[] column) => reference.Zip(column, (r, c) => r - c).ToArray();
        static string Cell(double[] differences, int decimals) =>
            $"{Signed(differences.Average(), decimals)} (p {P(PairedP(differences))}, lower in {differences.Count(d => d > 0)} of 2)";

        foreach (var (limit, samples) in new[] { ((string?)null, "60"), ("all", "120"), ("80", "80") })
        {
            string csv = Path.Combine(_dir, $"seeds-{limit ?? "spec"}.csv");
            string[] args = ["outputs", ban, baseline, "--out", folder, "--split", "test", "--csv", csv, .. limit is null ? Array.Empty<string>() : ["--test-limit", limit]];
            var (code, output, error) = await CliRun.RunAsync(args);
            Assert.True(code == 0, error);
            var rows = ReadCsv(csv);
            // Each model once (the teachers both specs share too), with the spec it belongs to; on the test images asked
            // for, and the checkpoints still their specs' (the test set scores, it does not train).
            Assert.Equal(["seed-1/teacher", "seed-1/ban-1", "seed-2/teacher", "seed-2/ban-1", "seed-1/baseline", "seed-2/baseline"], rows.Select(r => r["key"]));
            Assert.Equal(["ban", "ban", "ban", "ban", "baseline", "baseline"], rows.Select(r => r["experiment"]));
            Assert.All(rows, r => Assert.Equal(samples, r["samples"]));
            Assert.All(rows, r => Assert.Equal("true", r["matches_spec"]));
            Assert.DoesNotContain(BanStudio.Web.Cli.OutputsVerb.OtherConfiguration, output);
            Assert.Contains("ban + baseline: outputs on the test split", output);
            Assert.Single(output.Split('\n'), l => l.StartsWith("By column", StringComparison.Ordinal));

            // Each column's mean ± std, and against the teacher of the same seed: the mean difference, the paired
            // t-test's p (worked here by hand: 2 pairs) and in how many pairs the column is lower.
            double[] teacherLoss = Seeds(rows, "teacher", "loss");
            string teacherLine = Line(output, "Teacher");
            Assert.Contains(FormattableString.Invariant($"{teacherLoss.Average():F3} ± {Math.Abs(teacherLoss[0] - teacherLoss[1]) / Math.Sqrt(2):F3}"), teacherLine);
            Assert.DoesNotContain("lower in", teacherLine);
            foreach (var (step, column) in new[] { ("ban-1", "BAN-1"), ("baseline", "Baseline") })
            {
                var line = Line(output, column);
                Assert.Matches(@"^\S+ +2  ", line);
                Assert.EndsWith(Cell(Minus(teacherLoss, Seeds(rows, step, "loss")), 3), line);
                Assert.Contains($"{Signed(Minus(Seeds(rows, "teacher", "error", 100), Seeds(rows, step, "error", 100)).Average(), 2)} (", line);
            }
        }

        // Against the Baseline too (one summary each): the teacher's and BAN-1's losses minus the Baseline's of the same seed.
        string againstCsv = Path.Combine(_dir, "against.csv");
        var against = await CliRun.RunAsync("outputs", ban, baseline, "--out", folder, "--split", "test", "--against", "Teacher", "--against", "Baseline", "--csv", againstCsv);
        Assert.True(against.Code == 0, against.Err);
        var againstRows = ReadCsv(againstCsv);
        var second = against.Out[against.Out.IndexOf("Δ = Baseline − column", StringComparison.Ordinal)..];
        Assert.Contains("Δ = Teacher − column", against.Out[..^second.Length]);
        Assert.EndsWith(Cell(Minus(Seeds(againstRows, "baseline", "loss"), Seeds(againstRows, "ban-1", "loss")), 3), Line(second, "BAN-1"));
        Assert.EndsWith(Cell(Minus(Seeds(againstRows, "baseline", "loss"), Seeds(againstRows, "teacher", "loss")), 3), Line(second, "Teacher"));
        Assert.DoesNotContain("lower in", Line(second, "Baseline"));

        // A model without a checkpoint is left out and named; its column keeps the seed it has, paired without a p-value.
        File.Delete(Path.Combine(folder, "seed-2", "ban-1", "checkpoint.bin"));
        var partial = await CliRun.RunAsync("outputs", ban, "--out", folder, "--split", "test");
        Assert.True(partial.Code == 0, partial.Err);
        Assert.Matches(@"^BAN-1 +1  .* \(n=1\) .*\(lower in [01] of 1\)$", Line(partial.Out, "BAN-1"));
        Assert.Contains("not counted: seed-2/ban-1 (not trained yet)", partial.Out);
        Assert.Contains("no paired p-value: 1 seed with both models finished", partial.Out);

        // What cannot be done is refused naming the option and the fix (exit 2).
        string otherData = Write("other.json", File.ReadAllText(baseline).Replace("\"testLimit\": 60", "\"testLimit\": 90", StringComparison.Ordinal));
        foreach (var (message, args) in new (string, string[])[]
                 {
                     ("--test-limit: is 121 but Built-in shapes has 120 test images; give a number of test images it has, or all for the whole test set", [ban, "--split", "test", "--test-limit", "121"]),
                     ("--test-limit: 'most' is not a number of test images", [ban, "--split", "test", "--test-limit", "most"]),
                     ("--test-limit: applies to the test split", [ban, "--test-limit", "all"]),
                     ("--against: 'Baseline' is not a column of this spec; its columns are Teacher, BAN-1", [ban, "--against", "Baseline"]),
                     ("--against: 'BAN-3' is not a column of these specs; their columns are Teacher, Baseline, BAN-1", [ban, baseline, "--against", "BAN-3"]),
                     ("spec: baseline trains on", [ban, otherData]),
                 })
        {
            var refused = await CliRun.RunAsync(["outputs", .. args, "--out", folder]);
            Assert.Equal(2, refused.Code);
            Assert.Contains(message, refused.Err);
        }
    }

    [Fact]
    public async Task A_bad_request_is_refused_naming_what_to_change()
    {
        string spec = Write("exp.json", """
            {"name": "refused", "dataset": {"kind": "builtin"}, "teacher": {"family": "wideresnet", "depth": 10, "widen": 1},
             "generations": 1, "treatments": [], "schedule": {"epochs": 1}, "seeds": [1]}
            """);
        var unknown = await CliRun.RunAsync("outputs", spec, "--out", _dir, "--step", "seed-1/ban-7");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("--step: seed-1/ban-7 is not a step of this spec; its steps are seed-1/teacher, seed-1/ban-1", unknown.Err);

        var nowhere = await CliRun.RunAsync("outputs", spec, "--out", Path.Combine(_dir, "absent"));
        Assert.Equal(2, nowhere.Code);
        Assert.Contains("--out: ", nowhere.Err);
        Assert.Contains("does not exist", nowhere.Err);

        var split = await CliRun.RunAsync("outputs", spec, "--out", _dir, "--split", "valid");
        Assert.NotEqual(0, split.Code);
        Assert.Contains("valid", split.Err + split.Out);

        string text = Write("lm.json", """
            {"name": "lm", "dataset": {"kind": "builtin-text"}, "teacher": {"family": "lstm", "units": 16, "layers": 1},
             "generations": 1, "treatments": [], "schedule": {"epochs": 1}, "seeds": [1]}
            """);
        var language = await CliRun.RunAsync("outputs", text, "--out", _dir);
        Assert.Equal(2, language.Code);
        Assert.Contains("dataset.kind", language.Err);
        Assert.Contains("image classifiers", language.Err);
    }
}
