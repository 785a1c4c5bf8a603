using static TorchSharp.torch;

namespace BanStudio.Training.Objectives;

/// <summary>
/// The ordinary label loss of Eq. (1): cross-entropy with the ground truth, averaged over the batch.
/// Its gradient is (q - y)/b (Eq. 6). Trains the teacher; needs no teacher.
/// </summary>
public sealed class Label : IDistillationObjective
{
    public string Name => "label";

    public bool NeedsTeacher => false;

    public Tensor Loss(Tensor studentLogits, Tensor? teacherLogits, Tensor labels) => CrossEntropy(studentLogits, labels);

    public (Tensor Loss, Tensor? LabelCrossEntropy) LossWithLabelTerm(Tensor studentLogits, Tensor? teacherLogits, Tensor labels)
    {
        var loss = Loss(studentLogits, teacherLogits, labels);
        return (loss, loss.detach());
    }

    /// <summary>mean_s -log q_{y_s,s}.</summary>
    public static Tensor CrossEntropy(Tensor studentLogits, Tensor labels)
    {
        Arguments.Student(studentLogits);
        Arguments.Labels(studentLogits, labels);
        return nn.functional.cross_entropy(studentLogits, labels);
    }
}
