using System.Runtime.InteropServices;

namespace BanStudio.Training.Training;

/// <summary>
/// libtorch's CPU tensors come from plain <c>malloc</c>/<c>free</c>. With glibc's defaults every block over its mmap
/// threshold (at most 32 MiB, adjusted as the program runs) is mapped fresh from the kernel and unmapped when freed,
/// and free memory at the top of the heap is handed back: a training step's large activations, gradients and softmax
/// outputs (a language model's [35 x 32, 10,000] logits are 45 MB each) are freed and allocated again every step,
/// and each step page-faults on every page of them again. Raising both thresholds to a gigabyte keeps freed blocks
/// in the heap for the next step. Measured on 2 cores (docs/performance.md): DenseNet-BC-40-12 about 20% more
/// images/s, LSTM-2x200 about 40% more tokens/s, for a higher resident size (a step's peak stays mapped).
/// </summary>
public static class NativeHeap
{
    const int TrimThresholdOption = -1; // M_TRIM_THRESHOLD
    const int MmapThresholdOption = -3; // M_MMAP_THRESHOLD

    /// <summary>Blocks up to this size come from the heap and are kept there when freed.</summary>
    public const int MmapThresholdBytes = 1 << 30;

    /// <summary>glibc before 2.35 refuses an mmap threshold above half its 64 MiB heap size; this is the fallback there.</summary>
    public const int OlderGlibcMmapThresholdBytes = 32 << 20;

    /// <summary>Free memory at the top of the heap is given back to the system only past this much.</summary>
    public const int TrimThresholdBytes = 1 << 30;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate int MallOpt(int option, int value);

    /// <summary>
    /// Applies the thresholds once per process; returns the mmap threshold glibc accepted, or null, changing nothing,
    /// on other C libraries (musl, macOS, Windows), where <c>mallopt</c> is absent.
    /// </summary>
    public static int? KeepFreedBlocks() => Applied.Value;

    static readonly Lazy<int?> Applied = new(() =>
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)) return null;
        if (!NativeLibrary.TryGetExport(libc, "mallopt", out var export)) return null;
        var mallopt = Marshal.GetDelegateForFunctionPointer<MallOpt>(export);
        // mallopt returns 1 on success, 0 for a value it refuses. The trim threshold is set last: setting either turns
        // off glibc's own adjustment of both.
        int? mmap = mallopt(MmapThresholdOption, MmapThresholdBytes) == 1 ? MmapThresholdBytes
            : mallopt(MmapThresholdOption, OlderGlibcMmapThresholdBytes) == 1 ? OlderGlibcMmapThresholdBytes : null;
        return mmap is not null && mallopt(TrimThresholdOption, TrimThresholdBytes) == 1 ? mmap : null;
    });
}
