using static TorchSharp.torch;

namespace BanStudio.Training.Objectives;

/// <summary>
/// One training objective of the paper: the label loss of Eq. (1), the born-again loss of Eqs. (2-3), or a
/// section 3.2 treatment. Logits are [B, C] (sequence models flatten [T, B, C] to [T*B, C]); labels are int64 [B].
/// The loss is a scalar, summed over classes and averaged over the batch unless the equation says otherwise.
/// Teacher logits are constants: no gradient ever flows into the teacher.
/// </summary>
public interface IDistillationObjective
{
    /// <summary>The factory name ("label", "ban", "ban+l", "cwtm", "dkpp"); <c>Objective.Create(Name, ...)</c> round-trips.</summary>
    string Name { get; }

    /// <summary>Whether <see cref="Loss"/> needs teacher logits; when true, a null teacher is an <see cref="ArgumentException"/>.</summary>
    bool NeedsTeacher { get; }

    Tensor Loss(Tensor studentLogits, Tensor? teacherLogits, Tensor labels);

    /// <summary>
    /// <see cref="Loss"/>, and with it the label cross-entropy of Eq. (1) (mean_s -log q_{y_s,s}, detached) where the
    /// objective computes that term anyway (label, BAN+L); null where it does not. Lets a trainer report train
    /// perplexity without a second softmax over a language model's whole vocabulary.
    /// </summary>
    (Tensor Loss, Tensor? LabelCrossEntropy) LossWithLabelTerm(Tensor studentLogits, Tensor? teacherLogits, Tensor labels) =>
        (Loss(studentLogits, teacherLogits, labels), null);
}
