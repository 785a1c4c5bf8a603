using static TorchSharp.torch;

namespace BanStudio.Training.Objectives;

/// <summary>
/// Confidence Weighted by Teacher Max, Eq. (10): the label cross-entropy of each sample weighted by
/// w_s = max_j p_{j,s} / sum_u max_j p_{j,u}, whether the teacher is right or wrong, Loss = sum_s w_s CE_s.
/// The weights sum to 1, so there is no further 1/b. Per-sample gradient: w_s (q_s - y_s) (Eqs. 9-10).
/// The teacher's non-argmax outputs (its dark knowledge) play no part.
/// </summary>
public sealed class Cwtm : IDistillationObjective
{
    public string Name => "cwtm";

    public bool NeedsTeacher => true;

    public Tensor Loss(Tensor studentLogits, Tensor? teacherLogits, Tensor labels)
    {
        Arguments.Student(studentLogits);
        Arguments.Labels(studentLogits, labels);
        var teacher = Arguments.Teacher(Name, studentLogits, teacherLogits);
        using var scope = NewDisposeScope();
        var w = Weights(teacher).to(studentLogits.dtype);
        var ce = nn.functional.cross_entropy(studentLogits, labels, reduction: nn.Reduction.None);
        return (w * ce).sum().MoveToOuterDisposeScope();
    }

    /// <summary>w_s = max_j p_{j,s} / sum_u max_j p_{j,u}, p = softmax(t): [B], sums to 1, a constant.</summary>
    public static Tensor Weights(Tensor teacherLogits)
    {
        using var scope = NewDisposeScope();
        var maxP = Ban.TeacherProbabilities(teacherLogits).max(1).values;
        return (maxP / maxP.sum()).MoveToOuterDisposeScope();
    }
}
