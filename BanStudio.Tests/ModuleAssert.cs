using static TorchSharp.torch;

namespace BanStudio.Tests;

/// <summary>Assertions on whole models.</summary>
internal static class ModuleAssert
{
    /// <summary>Every parameter of <paramref name="actual"/> equals the same parameter of <paramref name="expected"/>, exactly.</summary>
    public static void SameParameters(nn.Module expected, nn.Module actual, string when)
    {
        using var scope = NewDisposeScope();
        var e = expected.parameters().ToList();
        var a = actual.parameters().ToList();
        Assert.Equal(e.Count, a.Count);
        for (int i = 0; i < e.Count; i++)
            Assert.True(e[i].eq(a[i]).all().item<bool>(), $"parameter {i} differs {when}");
    }
}
