using System.Runtime.InteropServices;
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

    /// <summary>
    /// Makes libtorch run the operations this thread issues on this thread alone, leaving every other thread's
    /// count as it is. For helper threads such as the batch loader: an OpenMP team started from a second thread adds
    /// its own worker, and once libgomp manages more threads than there are processors it stops spinning at its
    /// barriers and puts idle workers to sleep after a few hundred loops. The training thread's workers then sleep and
    /// wake on every operation (measured: DenseNet-BC-40-12 at batch 64 on 2 cores trained 15-25% slower with a
    /// loader thread than without one; see docs/performance.md).
    /// Returns false, changing nothing, where no OpenMP runtime is loaded (a libtorch built without OpenMP).
    /// </summary>
    public static bool RunThisThreadSerially()
    {
        // libtorch sets each thread's OpenMP count on that thread's first call: have it happen now, not after ours.
        _ = get_num_threads();
        if (SetOpenMpThreads.Value is not { } set) return false;
        set(1);
        return get_num_threads() == 1;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with this thread's libtorch operations on this thread alone, then restores its count.
    /// For torch work done off the training thread on threads that live on (thread-pool threads loading a dataset,
    /// the wizard's parameter counts): a thread that once ran a parallel operation keeps its OpenMP team for good, and
    /// while it lives every training thread's workers sleep between operations (see <see cref="RunThisThreadSerially"/>).
    /// Measured: WRN-10-1 training on a new thread made about 1,360 images/s while the thread that generated its dataset
    /// (in parallel) lived on, against 1,620 to 1,790 when that thread had generated it serially.
    /// </summary>
    public static T Serially<T>(Func<T> work)
    {
        int before = get_num_threads();
        if (before == 1 || SetOpenMpThreads.Value is not { } set) return work();
        set(1);
        try { return work(); }
        finally { set(before); }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate void OmpSetNumThreads(int count);

    // omp_set_num_threads of the OpenMP runtime libtorch loaded (GNU libgomp, bundled under a hashed name, or Intel's
    // libiomp5): found by its path in this process's memory map, so the bundled copy is used, never a second runtime.
    static readonly Lazy<OmpSetNumThreads?> SetOpenMpThreads = new(() =>
    {
        _ = get_num_threads(); // loads libtorch, and with it its OpenMP runtime
        if (!File.Exists("/proc/self/maps")) return null;
        var runtime = File.ReadLines("/proc/self/maps")
            .Select(line => line.IndexOf('/') is var slash and >= 0 ? line[slash..] : null)
            .FirstOrDefault(path => path is not null && Path.GetFileName(path) is var name
                                    && (name.StartsWith("libgomp", StringComparison.Ordinal) || name.StartsWith("libiomp5", StringComparison.Ordinal)));
        if (runtime is null || !NativeLibrary.TryLoad(runtime, out var handle)) return null;
        return NativeLibrary.TryGetExport(handle, "omp_set_num_threads", out var export)
            ? Marshal.GetDelegateForFunctionPointer<OmpSetNumThreads>(export)
            : null;
    });
}
