using static TorchSharp.torch;

namespace BanStudio.Training.Objectives;

/// <summary>
/// Dark Knowledge with Permuted Predictions, Eq. (11): the born-again loss against phi(p), where per sample the
/// teacher's argmax probability keeps its position and every other probability moves to a random other
/// non-argmax position (an independent uniform permutation per sample, fresh each call). This keeps the
/// moments of the teacher's output but scrambles which class each bit of dark knowledge is attributed to.
/// Gradient: (q - phi(p))/b. The randomness comes only from <see cref="Generator"/>, seeded from the run's
/// seed, so a run replays exactly and the generator state can be checkpointed (get_state / set_state).
/// </summary>
public sealed class Dkpp : IDistillationObjective, IDisposable
{
    public Dkpp(long seed, double temperature = 1)
    {
        Temperature = Arguments.Temperature(temperature);
        Generator = new Generator(unchecked((ulong)seed), CPU);
    }

    /// <summary>The CPU generator behind the permutations; its state is part of a training checkpoint.</summary>
    public Generator Generator { get; }

    public double Temperature { get; }

    public string Name => "dkpp";

    public bool NeedsTeacher => true;

    public Tensor Loss(Tensor studentLogits, Tensor? teacherLogits, Tensor labels)
    {
        Arguments.Student(studentLogits);
        var teacher = Arguments.Teacher(Name, studentLogits, teacherLogits);
        using var scope = NewDisposeScope();
        var target = Permute(Ban.TeacherProbabilities(teacher, Temperature), Generator);
        return Ban.SoftCrossEntropy(studentLogits, target, Temperature).MoveToOuterDisposeScope();
    }

    /// <summary>phi(p) for these teacher logits; draws from <see cref="Generator"/> exactly as one <see cref="Loss"/> call does.</summary>
    public Tensor Target(Tensor teacherLogits)
    {
        using var scope = NewDisposeScope();
        return Permute(Ban.TeacherProbabilities(teacherLogits, Temperature), Generator).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// phi(p), vectorised over the batch: random keys with the argmax column forced to sort first give, per row,
    /// [argmax, the others in random order]; the same trick on the column indices gives [argmax, the others in
    /// order]; pairing the two is a permutation sigma with sigma(argmax) = argmax, and phi(p) = p gathered by sigma.
    /// </summary>
    public static Tensor Permute(Tensor p, Generator generator)
    {
        if (p.dim() != 2)
            throw new ArgumentException($"Probabilities must be [B, C]; got [{string.Join(", ", p.shape)}].", nameof(p));
        using var scope = NewDisposeScope();
        long b = p.shape[0], n = p.shape[1];
        var argmax = p.argmax(1, keepdim: true);
        var first = full(new[] { b, 1L }, -1.0, ScalarType.Float64, p.device);

        // Keys are drawn on the generator's device (CPU) so the stream does not depend on where p lives.
        var keys = rand(new[] { b, n }, ScalarType.Float64, generator.device, generator: generator).to(p.device);
        var shuffled = keys.scatter_(1, argmax, first).argsort(1);

        var columns = arange(n, ScalarType.Float64, p.device).expand(b, n).clone();
        var ordered = columns.scatter_(1, argmax, first).argsort(1);

        var sigma = empty_like(shuffled).scatter_(1, ordered, shuffled);
        return p.gather(1, sigma).MoveToOuterDisposeScope();
    }

    public void Dispose() => Generator.Dispose();
}
