using System.Runtime.InteropServices;
using BanStudio.Training.Training;
using static TorchSharp.torch;

namespace BanStudio.Tests.Training;

[Collection(TorchCollection.Name)]
public class NativeTuningTests
{
    [Fact]
    public void A_helper_thread_made_serial_runs_its_operations_on_one_thread_and_leaves_the_others_count_alone()
    {
        int before = get_num_threads();
        int others = before == 1 ? 2 : before;
        set_num_threads(others); // a count above one, so that one on the helper thread means something
        try
        {
            (bool Serial, int Threads) seen = default;
            var helper = new Thread(() =>
            {
                bool serial = TorchThreads.RunThisThreadSerially();
                using var sum = ones(1 << 20).sum(); // an operation large enough for libtorch to split it across threads
                seen = (serial, get_num_threads());
            });
            helper.Start();
            helper.Join();
            int fresh = 0;
            var other = new Thread(() => fresh = get_num_threads());
            other.Start();
            other.Join();

            Assert.True(seen.Serial, "no OpenMP runtime was found in this process's memory map");
            Assert.Equal(1, seen.Threads);
            Assert.Equal(others, get_num_threads()); // this thread's count is untouched
            Assert.Equal(others, fresh);             // and so is the count every new thread starts from
        }
        finally { set_num_threads(before); }
    }

    [Fact]
    public void Serially_runs_the_work_on_one_thread_and_gives_the_thread_its_count_back()
    {
        int before = get_num_threads();
        set_num_threads(2);
        try
        {
            (int Inside, int After) seen = default;
            var poolLike = new Thread(() =>
            {
                int inside = TorchThreads.Serially(() =>
                {
                    using var sum = ones(1 << 20).sum();
                    return get_num_threads();
                });
                seen = (inside, get_num_threads());
            });
            poolLike.Start();
            poolLike.Join();
            Assert.Equal((1, 2), seen);
            Assert.Equal(2, get_num_threads());
        }
        finally { set_num_threads(before); }
    }

    [Fact]
    public void Glibc_accepts_the_heap_thresholds_that_keep_freed_tensor_memory_for_the_next_step()
    {
        // Debian 12's glibc 2.36 takes the full gigabyte (older ones cap the mmap threshold at 32 MiB).
        Assert.Equal(NativeHeap.MmapThresholdBytes, NativeHeap.KeepFreedBlocks());
        Assert.Equal(NativeHeap.MmapThresholdBytes, NativeHeap.KeepFreedBlocks()); // applied once; asking again is harmless
    }

    [Fact]
    public void A_block_the_size_of_a_language_models_logits_comes_from_the_heap_not_from_a_mapping_of_its_own()
    {
        Assert.NotNull(NativeHeap.KeepFreedBlocks());
        // 48 MiB: above the largest mmap threshold glibc ever picks by itself (32 MiB), so with its defaults this block
        // is mapped fresh, page-faulted in on first use and unmapped when freed, every training step.
        const long size = 48L << 20;
        var before = HeapCounters.MappedBytes();
        var block = Marshal.AllocHGlobal((nint)size); // malloc on Linux, as libtorch's CPU allocator
        try
        {
            var held = HeapCounters.MappedBytes();
            // Other tests may allocate and free meanwhile, but with the thresholds in force nothing of theirs under a
            // gigabyte is mapped, so the count can only grow by the block's size if the thresholds are absent.
            Assert.True(held - before < size, $"the 48 MiB block was mapped on its own: mapped bytes {before:N0} -> {held:N0}");
        }
        finally { Marshal.FreeHGlobal(block); }
        // Not asserted: that the freed block stays in the process. In a thread's arena glibc deletes a heap that holds
        // nothing else whatever the trim threshold (seen here: the heap went from 122.4 to 71.9 MB when the block was
        // freed), but a training thread's heaps hold its other tensors too.
    }

    /// <summary>glibc's <c>mallinfo2</c> (2.33 and later): the bytes in blocks mapped on their own.</summary>
    static class HeapCounters
    {
        [StructLayout(LayoutKind.Sequential)]
        struct MallInfo2
        {
            public nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, UsmBlks, FsmBlks, UordBlks, FordBlks, KeepCost;
        }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        delegate MallInfo2 MallInfo2Function();

        public static long MappedBytes()
        {
            nint export = 0;
            Assert.True(NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "mallinfo2", out export),
                "this test needs glibc 2.33 or later (mallinfo2)");
            var info = Marshal.GetDelegateForFunctionPointer<MallInfo2Function>(export)();
            return (long)info.HBlkHd;
        }
    }
}
