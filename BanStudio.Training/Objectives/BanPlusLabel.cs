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
        Arguments.Student(studentLogits);
        var teacher = Arguments.Teacher(Name, studentLogits, teacherLogits);
        using var scope = NewDisposeScope();
        var ban = Ban.SoftCrossEntropy(studentLogits, Ban.TeacherProbabilities(teacher, Temperature), Temperature);
        var label = Label.CrossEntropy(studentLogits, labels);
        return (ban + label).MoveToOuterDisposeScope();
    }
}
