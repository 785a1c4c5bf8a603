using static TorchSharp.torch;

namespace BanStudio.Training.Objectives;

/// <summary>
/// BAN+L (Table 2): the born-again loss of Eqs. (2-3) plus the label loss of Eq. (1), unweighted.
/// At T = 1 its gradient is (q - p)/b + (q - y)/b = (2q - p - y)/b.
/// </summary>
public sealed class BanPlusLabel(double temperature = 1) : IDistillationObjective
{
    public double Temperature { get; } = Arguments.Temperature(temperature);

    public string Name => "ban+l";

    public bool NeedsTeacher => true;

    public Tensor Loss(Tensor studentLogits, Tensor? teacherLogits, Tensor labels)
    {
        var (loss, label) = LossWithLabelTerm(studentLogits, teacherLogits, labels);
        label!.Dispose();
        return loss;
    }

    public (Tensor Loss, Tensor? LabelCrossEntropy) LossWithLabelTerm(Tensor studentLogits, Tensor? teacherLogits, Tensor labels)
    {
        Arguments.Student(studentLogits);
        var teacher = Arguments.Teacher(Name, studentLogits, teacherLogits);
        using var scope = NewDisposeScope();
        Tensor ban, label;
        if (Temperature != 1)
        {
            ban = Ban.SoftCrossEntropy(studentLogits, Ban.TeacherProbabilities(teacher, Temperature), Temperature);
            label = Label.CrossEntropy(studentLogits, labels);
        }
        else
        {
            // At T = 1 both terms read the same log q: one log-softmax (and one backward through it) instead of two,
            // which on a language model's 10,000-word softmax is a large part of a step.
            Arguments.Labels(studentLogits, labels);
            var logQ = studentLogits.log_softmax(1);
            ban = Ban.SoftCrossEntropyOfLogProbabilities(logQ, Ban.TeacherProbabilities(teacher));
            label = nn.functional.nll_loss(logQ, labels);
        }
        return (ban.add(label, Training.KeptScalars.One).MoveToOuterDisposeScope(), label.detach().MoveToOuterDisposeScope());
    }
}
