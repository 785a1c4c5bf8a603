using BanStudio.Tests.Data;
using BanStudio.Training.Training;

namespace BanStudio.Tests.Cli;

/// <summary>BANSTUDIO_LIBTORCH: running on an installed libtorch instead of the bundled one.</summary>
public sealed class LibTorchFolderTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    static string App => AppContext.BaseDirectory;

    [Fact]
    public void Unset_or_empty_changes_nothing()
    {
        Assert.Null(LibTorchFolder.Load(null, App));
        Assert.Null(LibTorchFolder.Load("  ", App));
    }

    [Fact]
    public void A_missing_folder_is_named_with_the_variable_and_where_to_point_it()
    {
        string missing = Path.Combine(_folder.Path, "no-such-torch", "lib");
        var e = Assert.Throws<LibTorchFolderException>(() => LibTorchFolder.Load(missing, App));
        Assert.Contains($"BANSTUDIO_LIBTORCH={missing}: no such folder", e.Message);
        Assert.Contains("torch/lib", e.Message);
    }

    [Fact]
    public void A_folder_without_libtorch_is_refused_before_anything_is_loaded()
    {
        var e = Assert.Throws<LibTorchFolderException>(() => LibTorchFolder.Load(_folder.Path, App));
        Assert.Contains("has no libtorch_cpu.so", e.Message);
    }

    [Fact]
    public void A_second_libtorch_beside_the_applications_own_is_refused_naming_both_and_the_external_build()
    {
        // Another libtorch folder (say a PyTorch install's): loading it next to the bundled one would register every
        // operator twice. The refusal comes before any load, so a stand-in file is enough to reach it.
        string other = Path.Combine(_folder.Path, "torch", "lib");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "libtorch_cpu.so"), "another build of libtorch");
        var e = Assert.Throws<LibTorchFolderException>(() => LibTorchFolder.Load(other, App));
        Assert.Contains(Path.Combine(App, "libtorch_cpu.so"), e.Message);
        Assert.Contains("two copies of libtorch", e.Message);
        Assert.Contains("-p:TorchBackend=external", e.Message);
    }

    [Fact]
    public void The_applications_own_folder_reached_through_a_link_is_the_same_libtorch_and_loads()
    {
        string link = Path.Combine(_folder.Path, "lib-link");
        Directory.CreateSymbolicLink(link, App);
        Assert.Equal(Path.GetFullPath(link), LibTorchFolder.Load(link, App));
        // This CPU-only libtorch cannot give CUDA: the refusal names the folder it came from, not the build property.
        string? problem = DeviceChoice.Check("cuda");
        Assert.NotNull(problem);
        Assert.Contains($"the libtorch in {Path.GetFullPath(link)} (BANSTUDIO_LIBTORCH) sees no GPU", problem);
    }

    [Fact]
    public async Task The_cli_trains_on_the_named_libtorch_and_says_so_and_refuses_a_bad_one_with_exit_code_2()
    {
        var (code, output, error) = await RunCliAsync(App, "bench", "--model", "WRN-10-1", "--batch", "8", "--steps", "1",
            "--warmup", "0", "--repeats", "1", "--no-ban");
        Assert.True(code == 0, error);
        Assert.Contains($"libtorch {Path.GetFullPath(App)}", output);
        Assert.Matches(@"\d+\.\d images/s  WRN-10-1", output);

        (code, _, error) = await RunCliAsync(Path.Combine(_folder.Path, "nowhere"), "models");
        Assert.Equal(2, code);
        Assert.Contains("BANSTUDIO_LIBTORCH=", error);
        Assert.Contains("no such folder", error);
    }

    static async Task<(int Code, string Output, string Error)> RunCliAsync(string libtorch, params string[] args)
    {
        var start = CliRun.Process(args);
        start.Environment[LibTorchFolder.Variable] = libtorch;
        return await CliRun.RunProcessAsync(start);
    }
}
