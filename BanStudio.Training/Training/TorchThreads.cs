using static TorchSharp.torch;

namespace BanStudio.Training.Training;

/// <summary>
/// libtorch's intra-op thread count. Convolutions on the CPU scale with physical cores, not with
/// hyper-threads (two threads on one core fight over the same vector units), so the tool uses one
/// thread per physical core, the way PyTorch benchmarks are usually run.
/// </summary>
public static class TorchThreads
{
    /// <summary>
    /// Physical cores this process may use: distinct (package, core) pairs in /proc/cpuinfo, capped by
    /// <see cref="Environment.ProcessorCount"/> (which honours affinity and container CPU limits).
    /// Falls back to the logical count where /proc/cpuinfo has no topology (other systems, some VMs).
    /// </summary>
    public static int PhysicalCores()
    {
        int logical = Environment.ProcessorCount;
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return logical;
            var cores = new HashSet<(string, string)>();
            string package = "0";
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon < 0) continue;
                string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
                if (key == "physical id") package = value;
                else if (key == "core id") cores.Add((package, value));
            }
            return cores.Count == 0 ? logical : Math.Clamp(cores.Count, 1, logical);
        }
        catch (IOException) { return logical; }
    }

    /// <summary>Sets libtorch's intra-op threads to <see cref="PhysicalCores"/> and returns the count.</summary>
    public static int UsePhysicalCores()
    {
        int cores = PhysicalCores();
        if (get_num_threads() != cores) set_num_threads(cores);
        return cores;
    }
}
