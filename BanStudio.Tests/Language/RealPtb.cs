namespace BanStudio.Tests.Language;

/// <summary>
/// The real PTB folder of this project (../shared/data/ptb beside the repository), found by walking up from
/// the test binaries; null on a machine without it, where the tests that read it assert nothing more.
/// </summary>
public static class RealPtb
{
    public static string? Folder { get; } = Find();

    static string? Find()
    {
        if (Environment.GetEnvironmentVariable("BANSTUDIO_PTB") is { Length: > 0 } env && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "ptb");
            if (File.Exists(Path.Combine(candidate, "ptb.valid.txt"))) return candidate;
        }
        return null;
    }
}
