using BanStudio.Tests.Cli;
using BanStudio.Web.Cli;

namespace BanStudio.Tests.Language;

/// <summary>The CLI verbs on language models, in-process as `dotnet run --project BanStudio.Web -- VERB` runs them.</summary>
[Collection(TorchCollection.Name)]
public sealed class LanguageCliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("ban-lm-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Models_lists_the_language_models_with_their_ptb_counts_beside_table_6()
    {
        var (code, output, _) = await CliRun.RunAsync("models");
        Assert.Equal(0, code);
        string[] Line(string name) => output.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["LSTM-2x1500", "51.03M", "52M"], Line("LSTM-2x1500"));
        Assert.Equal(["CNN-LSTM-2x650", "19.38M", "19M"], Line("CNN-LSTM-2x650"));
        Assert.Equal(["LSTM-2x200", "2.65M"], Line("LSTM-2x200"));
    }

    [Fact]
    public async Task Run_trains_a_language_model_experiment_and_prints_the_table_6_layout()
    {
        string spec = Path.Combine(_dir, "lm.json");
        File.WriteAllText(spec, """
            { "name": "lm-cli", "dataset": { "kind": "builtin-text", "trainSize": 100 },
              "teacher": { "family": "lstm", "units": 8, "dropout": 0 }, "generations": 0, "treatments": ["ban+l"],
              "schedule": { "epochs": 1, "batchSize": 4, "learningRate": 1, "momentum": 0, "nesterov": false, "weightDecay": 0,
                            "schedule": "plateau", "gamma": 0.25, "clipGradNorm": 5 } }
            """);
        var (code, output, error) = await CliRun.RunAsync("run", spec, "--out", Path.Combine(_dir, "out"), "--database", Path.Combine(_dir, "studio.db"));
        Assert.True(code == 0, error);
        Assert.Contains("valid ppl", output);
        Assert.Contains("words/s", output);
        var header = output.Split('\n').Last(l => l.StartsWith("Network", StringComparison.Ordinal));
        Assert.Equal(["Network", "Parameters", "Teacher", "Val", "BAN+L", "Val", "Teacher", "Test", "BAN+L", "Test"],
            header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Run_names_a_missing_ptb_folder_in_the_spec()
    {
        string spec = Path.Combine(_dir, "ptb.json");
        File.WriteAllText(spec, """{ "dataset": { "kind": "ptb", "path": "/no/ptb/here" }, "teacher": { "family": "lstm", "units": 8 } }""");
        var (code, _, error) = await CliRun.RunAsync("run", spec, "--out", Path.Combine(_dir, "out2"), "--database", Path.Combine(_dir, "studio.db"));
        Assert.Equal(TrainVerb.ExitCodes.BadSpec, code);
        Assert.Contains("dataset.path", error);
        Assert.Contains("/no/ptb/here", error);
    }
}
