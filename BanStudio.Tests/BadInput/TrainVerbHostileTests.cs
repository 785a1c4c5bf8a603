using BanStudio.Tests.Cli;
using BanStudio.Tests.Data;
using BanStudio.Web.Cli;

namespace BanStudio.Tests.BadInput;

/// <summary>The <c>train</c> verb refuses what <c>run</c> refuses: files outside the data folders, networks past the budget.</summary>
public sealed class TrainVerbHostileTests
{
    [Theory]
    [InlineData("""{"family": "wideresnet", "depth": 10, "widen": 1}""", """{"kind": "fashion-mnist", "path": "/etc"}""", "dataset.path")]
    [InlineData("""{"family": "wideresnet", "depth": 10, "widen": 1}""", """{"kind": "fashion-mnist", "path": "/usr/share/datasets/../../../etc"}""", "dataset.path")]
    [InlineData("""{"family": "wideresnet", "depth": 10, "widen": 100000}""", """{"kind": "builtin"}""", "model.widen")]
    [InlineData("""{"family": "wideresnet", "depth": 40, "widen": 40}""", """{"kind": "builtin"}""", "model")]
    [InlineData("""{"family": "densenet", "depth": 1000000, "growth": 12}""", """{"kind": "builtin"}""", "model.depth")]
    public async Task Train_refuses_the_spec_with_exit_code_2_naming_the_field(string model, string dataset, string field)
    {
        using var folder = new TempFolder();
        string spec = folder.File("train.json");
        await File.WriteAllTextAsync(spec, $$$"""{"model": {{{model}}}, "dataset": {{{dataset}}}, "schedule": {"epochs": 1}}""");
        var (code, stdout, stderr) = await CliRun.RunAsync("train", spec, "--out", folder.File("out"));

        Assert.True(code == TrainVerb.ExitCodes.BadSpec, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"  {field}: ", stderr);
        Assert.False(Directory.Exists(folder.File("out")));
    }
}
