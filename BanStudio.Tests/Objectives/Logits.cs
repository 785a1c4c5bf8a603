using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Tests.Objectives;

/// <summary>Seeded double-precision logits and the closed forms of section 3.2 to check autograd against.</summary>
internal static class Logits
{
    public static Tensor Random(long b, long n, long seed, double scale = 3)
    {
        using var generator = new Generator((ulong)seed);
        return randn(new[] { b, n }, ScalarType.Float64, generator: generator) * scale;
    }

    public static Tensor Student(long b, long n, long seed) => Random(b, n, seed).requires_grad_(true);

    public static Tensor RandomLabels(long b, long n, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return randint(0, n, new[] { b }, ScalarType.Int64, generator: generator);
    }

    /// <summary>y as one-hot rows, double.</summary>
    public static Tensor OneHot(Tensor labels, long n) => nn.functional.one_hot(labels, n).to(ScalarType.Float64);

    public static Tensor Softmax(Tensor logits, double temperature = 1) => (logits.detach() / temperature).softmax(1);

    /// <summary>d loss / d studentLogits by autograd.</summary>
    public static Tensor GradientOf(Tensor loss, Tensor studentLogits)
    {
        Assert.Equal(0, loss.dim());
        loss.backward();
        return studentLogits.grad ?? throw new InvalidOperationException("The student logits received no gradient.");
    }

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance = 1e-12)
    {
        Assert.Equal(expected.shape, actual.shape);
        var worst = (expected - actual).abs().max().item<double>();
        Assert.True(worst <= tolerance, $"Max abs difference {worst:E3} > {tolerance:E1}.");
    }

    public static void AssertNotClose(Tensor expected, Tensor actual, double tolerance = 1e-6)
    {
        var worst = (expected - actual).abs().max().item<double>();
        Assert.True(worst > tolerance, $"Expected a difference, but the tensors agree within {worst:E3}.");
    }

    /// <summary>Same shape and bit-identical values (TorchSharp's Tensor.equal is element-wise).</summary>
    public static bool Same(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && (a == b).all().item<bool>();

    public static double[,] ToArray(Tensor t)
    {
        var rows = (int)t.shape[0];
        var cols = (int)t.shape[1];
        var flat = t.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var a = new double[rows, cols];
        for (var i = 0; i < rows; i++)
        for (var j = 0; j < cols; j++)
            a[i, j] = flat[i * cols + j];
        return a;
    }
}
