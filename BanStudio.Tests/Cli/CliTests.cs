using BanStudio.Web.Cli;

namespace BanStudio.Tests.Cli;

/// <summary>The headless verbs, run in-process exactly as `dotnet run --project BanStudio.Web -- VERB` runs them.</summary>
[Collection(TorchCollection.Name)]
public sealed class CliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("ban-cli-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // `run` records into a SQLite file in the folder
        Directory.Delete(_dir, recursive: true);
    }

    string Write(string name, string json)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Models_prints_wide_resnet_28_10_at_36_5_million_parameters_for_100_classes()
    {
        var (code, output, _) = await CliRun.RunAsync("models");
        Assert.Equal(0, code);
        var line = output.Split('\n').Single(l => l.StartsWith("WRN-28-10 ", StringComparison.Ordinal));
        Assert.Equal(["WRN-28-10", "36.48M", "36.54M"], line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(output.Split('\n'), l => l.StartsWith("DenseNet-BC-100-12 ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("table 2: densenet/cifar", "table-2--densenet-cifar")]
    [InlineData("..", "unnamed--")]
    [InlineData(".", "unnamed-")]
    [InlineData("experiment-12", "run-experiment-12")]
    [InlineData("experiment-12b", "experiment-12b")]
    [InlineData("v1.2", "v1.2")]
    public void A_run_folder_name_stays_inside_the_runs_folder_and_off_the_apps_own(string name, string slug) =>
        Assert.Equal(slug, SpecFiles.Slug(name));

    [Fact]
    public async Task Numbers_are_printed_the_same_under_a_locale_with_a_decimal_comma()
    {
        // A process of its own: the culture comes from the environment at start-up.
        var start = CliRun.Process("models");
        start.Environment["LANG"] = start.Environment["LC_ALL"] = "de_DE.UTF-8";
        var (code, output, error) = await CliRun.RunProcessAsync(start);
        Assert.True(code == 0, error);
        var line = output.Split('\n').Single(l => l.StartsWith("WRN-28-10 ", StringComparison.Ordinal));
        Assert.Equal(["WRN-28-10", "36.48M", "36.54M"], line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Train_rejects_a_bad_spec_before_training_naming_each_field()
    {
        string spec = Write("bad.json", """{"model": {"family": "densenet", "depth": 90, "growth": 12}, "schedule": {"epochs": 0}, "device": "tpu"}""");
        var (code, _, error) = await CliRun.RunAsync("train", spec, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(TrainVerb.ExitCodes.BadSpec, code);
        Assert.Contains("model.depth", error);
        Assert.Contains("schedule.epochs", error);
        Assert.Contains("device", error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public async Task Train_reports_a_missing_spec_file_with_its_path()
    {
        string missing = Path.Combine(_dir, "nope.json");
        var (code, _, error) = await CliRun.RunAsync("train", missing);
        Assert.Equal(TrainVerb.ExitCodes.BadSpec, code);
        Assert.Contains(missing, error);
    }

    [Fact]
    public async Task Train_reports_a_corrupt_dataset_file_with_its_path()
    {
        string data = Directory.CreateDirectory(Path.Combine(_dir, "fashion")).FullName;
        foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
            File.WriteAllBytes(Path.Combine(data, name), [0, 0, 8, 3, 0, 0]);
        string spec = Write("fm.json", $$$"""{"model": {"family": "wideresnet", "depth": 10, "widen": 1}, "dataset": {"kind": "fashion-mnist", "path": "{{{data}}}"}}""");
        var (code, _, error) = await CliRun.RunAsync("train", spec, "--out", Path.Combine(_dir, "out"), "--data-root", _dir);
        Assert.Equal(TrainVerb.ExitCodes.BadData, code);
        Assert.Contains(Path.Combine(data, "train-images-idx3-ubyte"), error);
    }

    [Fact]
    public async Task Train_prints_an_epoch_line_each_epoch_and_resumes_when_run_again()
    {
        string spec = Write("tiny.json", """
            {"model": {"family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0},
             "dataset": {"kind": "builtin", "trainSize": 400, "testSize": 100},
             "schedule": {"epochs": 2, "batchSize": 50, "learningRate": 0.05}, "seed": 2}
            """);
        string outDir = Path.Combine(_dir, "run");
        var (code, output, _) = await CliRun.RunAsync("train", spec, "--out", outDir);
        Assert.Equal(0, code);
        Assert.Equal(2, output.Split('\n').Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)));
        Assert.Contains("final-epoch test error", output);
        Assert.Contains("best-epoch test error", output);
        Assert.True(File.Exists(Path.Combine(outDir, "checkpoint.bin")));

        var again = await CliRun.RunAsync("train", spec, "--out", outDir);
        Assert.Equal(0, again.Code);
        Assert.Contains("resuming after epoch 2", again.Out);
        Assert.DoesNotContain("\nepoch ", again.Out);

        // the same folder with another seed: the old checkpoint is not resumed, and the user is told why
        string other = Write("tiny-seed3.json", File.ReadAllText(spec).Replace("\"seed\": 2", "\"seed\": 3"));
        var changed = await CliRun.RunAsync("train", other, "--out", outDir);
        Assert.Equal(0, changed.Code);
        Assert.Contains("was made by another configuration", changed.Out);
        Assert.Equal(2, changed.Out.Split('\n').Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Train_whose_loss_turns_NaN_in_its_first_epoch_says_so_and_writes_its_metrics()
    {
        // lr 100 with weight decay 0.99 diverges within the first epoch's 20 batches: the loss is NaN before any
        // checkpoint exists, so the --out folder has not been made (this once ended in a DirectoryNotFoundException).
        string spec = Write("nan.json", """
            {"model": {"family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0},
             "dataset": {"kind": "builtin", "trainSize": 1000, "testSize": 50},
             "schedule": {"epochs": 1, "batchSize": 50, "learningRate": 100, "weightDecay": 0.99}, "seed": 2}
            """);
        string outDir = Path.Combine(_dir, "diverged");
        var (code, output, error) = await CliRun.RunAsync("train", spec, "--out", outDir);
        Assert.Equal(TrainVerb.ExitCodes.TrainingFailed, code);
        Assert.Contains("failed: loss became NaN at epoch 1", output);
        Assert.DoesNotContain("Exception", output + error);
        Assert.Contains("\"status\": \"failed\"", File.ReadAllText(Path.Combine(outDir, "metrics.json")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Run_prints_the_table_2_layout_with_every_column_filled()
    {
        string spec = Write("exp.json", """
            {"name": "cli", "dataset": {"kind": "builtin", "trainSize": 300, "testSize": 100},
             "teacher": {"family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0},
             "generations": 2, "treatments": ["cwtm"],
             "schedule": {"epochs": 1, "batchSize": 50, "learningRate": 0.05}, "seeds": [1, 2]}
            """);
        var (code, output, error) = await CliRun.RunAsync("run", spec, "--out", Path.Combine(_dir, "exp"), "--database", Path.Combine(_dir, "studio.db"));
        Assert.True(code == 0, error);
        var lines = output.Split('\n');
        int header = Array.FindLastIndex(lines, l => l.StartsWith("Network", StringComparison.Ordinal));
        Assert.Equal(["Teacher", "CWTM", "BAN-1", "BAN-2", "Ens*2"], lines[header].Split("  ", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(c => c.Trim()));
        Assert.StartsWith("WRN-10-1 seed 1", lines[header + 1]);
        Assert.StartsWith("WRN-10-1 mean ± std", lines[header + 3]);
        Assert.Contains("(n=2)", lines[header + 3]);
        // Printed as it fills in, and the complete table once (not again after the last step).
        Assert.Single(lines, l => l == lines[header + 3]);
        Assert.True(Array.FindAll(lines, l => l.StartsWith("Network", StringComparison.Ordinal)).Length > 1);
        Assert.True(File.Exists(Path.Combine(_dir, "exp", "results.csv")));
    }
}
