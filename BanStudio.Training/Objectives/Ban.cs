using static TorchSharp.torch;

namespace BanStudio.Training.Objectives;

/// <summary>
/// The born-again loss of Eqs. (2-3): cross-entropy between the teacher's softmax p and the student's softmax q,
/// with no labels, mean_s -sum_i p_{i,s} log q_{i,s}. Its gradient is (q - p)/b (Eq. 5, batch-averaged).
/// With Hinton's temperature T the loss is T^2 mean_s -sum_i p^T_i log q^T_i with p^T = softmax(t/T),
/// q^T = softmax(z/T), so the gradient T (q^T - p^T)/b keeps its scale as T changes. The paper uses T = 1.
/// </summary>
public sealed class Ban(double temperature = 1) : IDistillationObjective
{
    public double Temperature { get; } = Arguments.Temperature(temperature);

    public string Name => "ban";

    public bool NeedsTeacher => true;

    public Tensor Loss(Tensor studentLogits, Tensor? teacherLogits, Tensor labels)
    {
        Arguments.Student(studentLogits);
        var teacher = Arguments.Teacher(Name, studentLogits, teacherLogits);
        return SoftCrossEntropy(studentLogits, TeacherProbabilities(teacher, Temperature), Temperature);
    }

    /// <summary>p = softmax(t/T), as a constant of the student's dtype.</summary>
    public static Tensor TeacherProbabilities(Tensor teacherLogits, double temperature = 1)
    {
        using var t = teacherLogits.detach();
        using var scaled = temperature == 1 ? t.alias() : t / temperature;
        return scaled.softmax(1);
    }

    /// <summary>
    /// T^2 mean_s -sum_i target_{i,s} log softmax(z_s/T)_i against any target distribution (the teacher's p here,
    /// DKPP's permuted phi(p)). Summed over classes: a class-mean (element-wise KL 'mean') would shrink it by C.
    /// </summary>
    public static Tensor SoftCrossEntropy(Tensor studentLogits, Tensor target, double temperature = 1)
    {
        Arguments.Student(studentLogits);
        Arguments.Temperature(temperature);
        using var scope = NewDisposeScope();
        var z = temperature == 1 ? studentLogits.alias() : studentLogits / temperature;
        var loss = SoftCrossEntropyOfLogProbabilities(z.log_softmax(1), target);
        if (temperature != 1) loss = loss * (temperature * temperature);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>mean_s -sum_i target_{i,s} logQ_{i,s} for log-probabilities the caller already has (T = 1).</summary>
    public static Tensor SoftCrossEntropyOfLogProbabilities(Tensor logQ, Tensor target)
    {
        using var scope = NewDisposeScope();
        var p = target.detach().to(logQ.dtype);
        return (-(p * logQ).sum(1)).mean().MoveToOuterDisposeScope();
    }
}
