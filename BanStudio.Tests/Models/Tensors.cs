using static TorchSharp.torch;

namespace BanStudio.Tests.Models;

internal static class Tensors
{
    /// <summary>Same shape and every element equal (TorchSharp's <c>equal</c> is element-wise).</summary>
    public static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
