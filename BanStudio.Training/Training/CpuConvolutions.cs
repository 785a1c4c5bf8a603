using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace BanStudio.Training.Training;

/// <summary>
/// Whether libtorch runs CPU convolutions through oneDNN ("mkldnn") or through its own reference kernels.
/// <para>
/// oneDNN sizes the blocking of its convolution kernels by the CPU's cache sizes, which it reads from the cpuid
/// cache-topology leaf (0x8000001D on AMD, 4 on Intel). Some virtual machines announce that leaf and leave it empty
/// (seen: 2-core AMD EPYC family 26 VMs, leaf 0x8000001D all zeros). oneDNN 3.7.1 (libtorch 2.10) then computes 3x3
/// convolutions wrongly at random, forward and backward: on such a machine the same conv2d backward on the same
/// tensors gave a different input gradient in 198 to 291 of 300 repeats and a non-finite one in 21 to 56, a
/// DenseNet-BC-10-6 went NaN in its first batches, and with oneDNN off all 300 repeats agreed
/// (BanStudio.Tests/Training/CpuConvolutionTests.cs; docs/performance.md).
/// </para>
/// There oneDNN convolutions are switched off (libtorch's <c>at::Context::setUserEnabledMkldnn</c>, what PyTorch's
/// <c>torch.backends.mkldnn.enabled = False</c> sets); correct results come before speed, and the reference kernels
/// are slower. Where cpuid looks sound, a behavioural check follows (<see cref="Disagreement"/>, forty small
/// convolutions once per process): those of that finding computed by oneDNN, repeatedly, against libtorch's
/// own kernels; any that disagree or are not finite switch oneDNN off too, so the same defect with another cause is
/// caught as well. <c>BANSTUDIO_ONEDNN=on</c> or <c>off</c> overrides both; <c>check</c> runs the behavioural check alone.
/// </summary>
public static class CpuConvolutions
{
    /// <summary>The environment variable that overrides the check: <c>on</c>, <c>off</c> or <c>check</c> (the behavioural check alone).</summary>
    public const string OverrideVariable = "BANSTUDIO_ONEDNN";

    /// <summary>What was decided for this process, and why; the decision is applied once, on first use.</summary>
    public sealed record Decision(bool OneDnn, string Reason);

    static readonly Lazy<Decision> Applied = new(() => Apply(Decide(Environment.GetEnvironmentVariable(OverrideVariable), CacheTopologyMissing(), Disagreement)));

    /// <summary>Makes the decision and applies it, once per process (every model build calls it).</summary>
    public static Decision Configure() => Applied.Value;

    /// <summary>
    /// The decision for an override value (null when unset), what cpuid says of the caches, and the behavioural check
    /// (called only when the others leave the question open; it returns what disagreed, or null).
    /// </summary>
    public static Decision Decide(string? overrideValue, string? missingCaches, Func<string?> disagreement)
    {
        bool checkOnly = false;
        switch (overrideValue?.Trim().ToLowerInvariant())
        {
            case null or "": break;
            case "on" or "1" or "true": return new(true, $"{OverrideVariable}={overrideValue}");
            case "off" or "0" or "false": return new(false, $"{OverrideVariable}={overrideValue}");
            case "check": checkOnly = true; break;
            default:
                throw new ArgumentException($"{OverrideVariable}={overrideValue} is not understood: set it to on, off or check, or unset it to let the tool check the CPU");
        }
        if (missingCaches is not null && !checkOnly)
            return new(false, $"{missingCaches}: oneDNN's 3x3 convolutions give wrong results without cache sizes");
        string? found;
        try { found = disagreement(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new(true, $"{(checkOnly ? "" : "the CPU reports its cache sizes; ")}the behavioural check could not run ({e.Message}), so oneDNN stays on");
        }
        return found is not null
            ? new(false, $"oneDNN's convolutions disagree with libtorch's own here ({found})")
            : new(true, checkOnly ? "oneDNN's convolutions agree with libtorch's own here" : "the CPU reports its cache sizes and oneDNN's convolutions agree with libtorch's own");
    }

    /// <summary>
    /// Runs the convolutions of the finding above (a DenseNet-BC-10-6's stem and growth convolution, 3x3, batch 50,
    /// forward and input gradient) with libtorch's own kernels once and with oneDNN <see cref="Repeats"/> times, and
    /// says what differed beyond float rounding or was not finite; null when all agree, or where the switch cannot
    /// be reached. Leaves the switch as it found it.
    /// </summary>
    public static string? Disagreement()
    {
        if (Switch() is not { } s) return null;
        bool was = s.Get(s.Context);
        try
        {
            using var scope = NewDisposeScope();
            using var gradients = enable_grad(); // whatever mode the first model build happens in
            using var generator = new Generator(7);
            foreach (var (input, output) in new[] { (3, 12), (24, 6) })
            {
                var x = randn([50, input, 32, 32], generator: generator);
                var weight = randn([output, input, 3, 3], generator: generator).mul_(0.1);
                s.Set(s.Context, false);
                var (reference, referenceGrad) = Convolve(x, weight);
                s.Set(s.Context, true);
                for (int repeat = 0; repeat < Repeats; repeat++)
                {
                    var (y, grad) = Convolve(x, weight);
                    if (!y.isfinite().all().item<bool>() || !grad.isfinite().all().item<bool>())
                        return $"{input}->{output} channels: a non-finite result in repeat {repeat + 1} of {Repeats}";
                    if (!y.allclose(reference, 1e-3, 1e-3) || !grad.allclose(referenceGrad, 1e-3, 1e-3))
                        return $"{input}->{output} channels: repeat {repeat + 1} of {Repeats} differs";
                }
            }
            return null;
        }
        finally { s.Set(s.Context, was); }

        static (Tensor Output, Tensor Grad) Convolve(Tensor x, Tensor weight)
        {
            var leaf = x.detach().requires_grad_(true);
            var y = nn.functional.conv2d(leaf, weight, padding: [1, 1]);
            y.square().sum().backward();
            return (y.detach(), leaf.grad!);
        }
    }

    /// <summary>How many times <see cref="Disagreement"/> runs each convolution through oneDNN: on the VM seen, about one repeat in three went wrong at the first shape.</summary>
    public const int Repeats = 20;

    /// <summary>
    /// A description of the defect where this x86 CPU announces a cache-topology cpuid leaf and leaves it empty;
    /// null where the leaf describes a cache, where there is no such leaf, or off x86.
    /// </summary>
    public static string? CacheTopologyMissing()
    {
        if (!X86Base.IsSupported) return null;
        var (maxBasic, b, c, d) = X86Base.CpuId(0, 0);
        string vendor = string.Concat(new[] { b, d, c }.Select(r => System.Text.Encoding.ASCII.GetString(BitConverter.GetBytes(r))));
        uint leaf;
        if (vendor is "AuthenticAMD" or "HygonGenuine")
        {
            // Whatever leaf 0x80000001 says of topology extensions: the VMs seen list 0x8000001D among their leaves and leave it empty.
            uint maxExtended = unchecked((uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax);
            if (maxExtended < 0x8000001D) return null;
            leaf = 0x8000001D;
        }
        else if (vendor == "GenuineIntel" && maxBasic >= 4) leaf = 4;
        else return null;
        // The first sub-leaf's EAX bits 0-4 are the cache type, 0 meaning "no more caches": 0 at sub-leaf 0 is no cache at all.
        return (X86Base.CpuId(unchecked((int)leaf), 0).Eax & 0x1F) == 0 ? $"cpuid leaf 0x{leaf:X} lists no caches ({vendor})" : null;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate IntPtr GlobalContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate void SetEnabled(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    delegate bool GetEnabled(IntPtr context);

    /// <summary>Whether libtorch will use oneDNN for CPU convolutions now; null where its switch cannot be reached.</summary>
    public static bool? OneDnnEnabled() => Switch() is { } s ? s.Get(s.Context) : null;

    static Decision Apply(Decision decision)
    {
        if (Switch() is not { } s)
            return decision.OneDnn ? decision : decision with { OneDnn = true, Reason = decision.Reason + "; libtorch's switch was not found, so oneDNN stays on" };
        if (s.Get(s.Context) != decision.OneDnn) s.Set(s.Context, decision.OneDnn);
        // With oneDNN off libtorch would try NNPACK next, which refuses these CPUs and logs a warning each time it is asked.
        if (!decision.OneDnn) s.SetNnpack?.Invoke(s.Context, false);
        return decision;
    }

    static (IntPtr Context, SetEnabled Set, GetEnabled Get, SetEnabled? SetNnpack)? Switch()
    {
        _ = get_num_threads(); // loads libtorch (TorchSharp's or BANSTUDIO_LIBTORCH's) before it is looked up by name
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libtorch_cpu.so", typeof(TorchSharp.torch).Assembly, null, out var lib))
            return null;
        // at::globalContext() and at::Context::{setUserEnabledMkldnn,userEnabledMkldnn,setUserEnabledNNPACK}: member
        // functions take the object first.
        if (!NativeLibrary.TryGetExport(lib, "_ZN2at13globalContextEv", out var context)
            || !NativeLibrary.TryGetExport(lib, "_ZN2at7Context20setUserEnabledMkldnnEb", out var set)
            || !NativeLibrary.TryGetExport(lib, "_ZNK2at7Context17userEnabledMkldnnEv", out var get))
            return null;
        var setNnpack = NativeLibrary.TryGetExport(lib, "_ZN2at7Context20setUserEnabledNNPACKEb", out var nnpack)
            ? Marshal.GetDelegateForFunctionPointer<SetEnabled>(nnpack) : null;
        return (Marshal.GetDelegateForFunctionPointer<GlobalContext>(context)(),
            Marshal.GetDelegateForFunctionPointer<SetEnabled>(set), Marshal.GetDelegateForFunctionPointer<GetEnabled>(get), setNnpack);
    }
}
