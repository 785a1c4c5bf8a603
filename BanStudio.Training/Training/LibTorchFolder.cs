using System.Runtime.InteropServices;

namespace BanStudio.Training.Training;

/// <summary>A libtorch folder named by <see cref="LibTorchFolder.Variable"/> that cannot be used; the message names the fix.</summary>
public sealed class LibTorchFolderException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Runs TorchSharp on a libtorch that is already installed (a PyTorch install's <c>torch/lib</c>, e.g. a CUDA build on a
/// GPU machine) instead of the one the TorchSharp packages bring. <c>BANSTUDIO_LIBTORCH=/path/to/torch/lib</c> makes the
/// process load that folder's <c>libc10</c>, <c>libtorch_cpu</c>, <c>libtorch</c> (and <c>libc10_cuda</c>,
/// <c>libtorch_cuda</c> where present) before TorchSharp's first call; TorchSharp's own load then finds them by name
/// and binds its <c>libLibTorchSharp.so</c> to them. Pair it with a build that carries no libtorch of its own
/// (<c>-p:TorchBackend=external</c>): two copies of libtorch in one process register every operator twice.
/// </summary>
public static class LibTorchFolder
{
    public const string Variable = "BANSTUDIO_LIBTORCH";

    /// <summary>The TorchSharp release this application is built with, and the libtorch its native half was compiled against.</summary>
    public const string TorchSharpVersion = "0.107.0", BuiltAgainst = "2.10.0";

    // Dependencies first, so that each dlopen by path finds what the next one needs already loaded.
    static readonly string[] LoadOrder = ["libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so"];

    /// <summary>The folder loaded from, once <see cref="LoadFromSetting"/> has run with the variable set.</summary>
    public static string? Loaded { get; private set; }

    /// <summary>Loads the folder <see cref="Variable"/> names; null (nothing done) when it is unset or empty.</summary>
    public static string? LoadFromSetting() => Load(Environment.GetEnvironmentVariable(Variable), AppContext.BaseDirectory);

    /// <summary>
    /// Loads libtorch from <paramref name="folder"/> for an application in <paramref name="applicationFolder"/>.
    /// Throws <see cref="LibTorchFolderException"/> naming the variable, the path and the fix when the folder is missing,
    /// has no libtorch, is a second copy beside the application's own, or a library in it fails to load.
    /// </summary>
    public static string? Load(string? folder, string applicationFolder)
    {
        if (string.IsNullOrWhiteSpace(folder)) return null;
        folder = Path.GetFullPath(folder);
        const string where = "a PyTorch install's torch/lib (python3 -c \"import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))\")";
        if (!Directory.Exists(folder))
            throw new LibTorchFolderException($"{Variable}={folder}: no such folder. Point it at {where}, or unset it to use the libtorch beside the application.");
        string cpu = Path.Combine(folder, "libtorch_cpu.so");
        if (!File.Exists(cpu))
            throw new LibTorchFolderException($"{Variable}={folder}: the folder has no libtorch_cpu.so, so it is not a libtorch folder. Point it at {where}.");
        string own = Path.Combine(Path.GetFullPath(applicationFolder), "libtorch_cpu.so");
        if (File.Exists(own) && !SameFile(own, cpu))
            throw new LibTorchFolderException(
                $"{Variable}={folder}: the application carries its own libtorch ({own}), and two copies of libtorch in one process " +
                "break it. Build or publish without one (dotnet publish BanStudio.Web -c Release -r linux-x64 -p:TorchBackend=external), " +
                $"or unset {Variable} to use the application's own.");
        foreach (string name in LoadOrder)
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            try { NativeLibrary.Load(path); }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new LibTorchFolderException($"{Variable}={folder}: loading {path} failed: {e.Message}", e);
            }
        }
        // TorchSharp's native half, built against one libtorch version: bind it now, so that a libtorch of another
        // version is reported here with the loader's own words (the first missing symbol) instead of as a missing package.
        string bridge = Path.Combine(Path.GetFullPath(applicationFolder), "libLibTorchSharp.so");
        if (File.Exists(bridge))
        {
            try { NativeLibrary.Load(bridge); }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new LibTorchFolderException(
                    $"{Variable}={folder}: TorchSharp's {bridge} (TorchSharp {TorchSharpVersion}, built against libtorch {BuiltAgainst}) " +
                    $"does not bind to the libtorch in that folder: {e.Message}. `LD_LIBRARY_PATH={folder} ldd -r {bridge}` lists every " +
                    $"missing symbol. Point it at a PyTorch whose libtorch is {BuiltAgainst}, or unset it.", e);
            }
        }
        Loaded = folder;
        return folder;
    }

    // The same file reached by two paths (a symlinked folder, "..", the application's own folder named explicitly).
    static bool SameFile(string a, string b) => RealPath(a) == RealPath(b);

    static string RealPath(string path)
    {
        IntPtr resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return Path.GetFullPath(path);
        try { return Marshal.PtrToStringUTF8(resolved)!; }
        finally { free(resolved); }
    }

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern IntPtr realpath(string path, IntPtr resolved);

    [DllImport("libc")]
    static extern void free(IntPtr pointer);
}
