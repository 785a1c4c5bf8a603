using static TorchSharp.torch;

namespace BanStudio.Training.Objectives;

/// <summary>Shape checks shared by the objectives, so a wrong call fails with a message instead of a broadcast.</summary>
internal static class Arguments
{
    public static void Student(Tensor studentLogits)
    {
        if (studentLogits.dim() != 2)
            throw new ArgumentException(
                $"Student logits must be [B, C] (flatten sequences to [T*B, C]); got [{string.Join(", ", studentLogits.shape)}].",
                nameof(studentLogits));
    }

    public static void Labels(Tensor studentLogits, Tensor labels)
    {
        if (labels.dim() != 1 || labels.shape[0] != studentLogits.shape[0])
            throw new ArgumentException(
                $"Labels must be [B] = [{studentLogits.shape[0]}]; got [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"Labels must be int64 class indices; got {labels.dtype}.", nameof(labels));
    }

    /// <summary>Returns the teacher logits, detached: the teacher is a constant target.</summary>
    public static Tensor Teacher(string objective, Tensor studentLogits, Tensor? teacherLogits)
    {
        if (teacherLogits is null)
            throw new ArgumentException(
                $"The '{objective}' objective learns from a teacher: pass the teacher's logits (got null).", nameof(teacherLogits));
        if (!teacherLogits.shape.SequenceEqual(studentLogits.shape))
            throw new ArgumentException(
                $"Teacher logits [{string.Join(", ", teacherLogits.shape)}] must match student logits [{string.Join(", ", studentLogits.shape)}].",
                nameof(teacherLogits));
        return teacherLogits.detach();
    }

    public static double Temperature(double temperature)
    {
        if (!double.IsFinite(temperature) || temperature <= 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a finite number > 0.");
        return temperature;
    }
}
