namespace BanStudio.Training;

/// <summary>One problem with a spec: the JSON field it concerns and what to do about it.</summary>
public sealed record SpecError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Thrown when a spec fails validation; carries every problem found, not just the first.</summary>
public sealed class SpecValidationException(IReadOnlyList<SpecError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<SpecError> Errors { get; } = errors;

    public static void ThrowIfAny(IReadOnlyList<SpecError> errors)
    {
        if (errors.Count > 0) throw new SpecValidationException(errors);
    }
}

/// <summary>A dataset file that is missing, truncated or not in the expected format.</summary>
public sealed class DatasetFileException(string path, string problem)
    : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;
    public string Problem { get; } = problem;
}
