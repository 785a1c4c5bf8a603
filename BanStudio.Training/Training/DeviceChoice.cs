using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Training;

/// <summary>Turns a spec's device string into a TorchSharp device, with messages a user can act on.</summary>
public static class DeviceChoice
{
    /// <summary>Null when the string is acceptable on this machine, else what is wrong and how to fix it.</summary>
    public static string? Check(string? device)
    {
        switch (device?.Trim().ToLowerInvariant())
        {
            case "cpu" or "auto":
                return null;
            case { } d when d == "cuda" || d.StartsWith("cuda:", StringComparison.Ordinal):
                if (d.Length > 5 && !int.TryParse(d[5..], out _))
                    return $"'{device}' is not a device; use cuda or cuda:N with N a GPU index";
                if (cuda.is_available()) return null;
                return LibTorchFolder.Loaded is { } folder
                    ? $"CUDA was asked for but the libtorch in {folder} ({LibTorchFolder.Variable}) sees no GPU: a CPU-only PyTorch, or no GPU visible to this process (nvidia-smi); use \"cpu\" or \"auto\", or point {LibTorchFolder.Variable} at a CUDA build of PyTorch"
                    : "CUDA was asked for but this build has no CUDA libtorch (built with TorchBackend=cpu); use \"cpu\" or \"auto\", or build with -p:TorchBackend=cuda-linux";
            default:
                return $"'{device}' is not a device; use \"cpu\", \"cuda\", \"cuda:N\" or \"auto\"";
        }
    }

    public static Device Resolve(string? device)
    {
        if (Check(device) is { } problem) throw new ArgumentException(problem, nameof(device));
        string d = device!.Trim().ToLowerInvariant();
        if (d == "auto") return cuda.is_available() ? CUDA : CPU;
        return torch.device(d);
    }

    /// <summary>
    /// A human name for the device, e.g. "CPU (2 threads)" or "CUDA:0"; a CPU whose oneDNN convolutions are off
    /// (see <see cref="CpuConvolutions"/>) says so and why, since its throughput is then not oneDNN's.
    /// </summary>
    public static string Describe(Device device)
    {
        var (name, why) = Summarise(device);
        return why is null ? name : $"{name[..^1]}: {why})";
    }

    /// <summary>
    /// <see cref="Describe"/> in two parts, for a page with little room: the short name ("CPU (2 threads, oneDNN
    /// convolutions off)") and the reason for what it says, if any (a sentence, for a tooltip); null when none.
    /// </summary>
    public static (string Name, string? Why) Summarise(Device device)
    {
        if (device.type != DeviceType.CPU) return (device.ToString().ToUpperInvariant(), null);
        var convolutions = CpuConvolutions.Configure();
        return convolutions.OneDnn
            ? ($"CPU ({get_num_threads()} threads)", null)
            : ($"CPU ({get_num_threads()} threads, oneDNN convolutions off)", convolutions.Reason);
    }
}
