namespace BanStudio.Training.Objectives;

/// <summary>The objectives a generation can be trained with, in the order of the paper's tables.</summary>
public enum ObjectiveKind
{
    /// <summary>Label cross-entropy, Eq. (1): how the teacher is trained.</summary>
    Label,
    /// <summary>Born-again cross-entropy with the teacher only, Eqs. (2-3).</summary>
    Ban,
    /// <summary>BAN + label cross-entropy.</summary>
    BanPlusLabel,
    /// <summary>Confidence Weighted by Teacher Max, Eq. (10).</summary>
    Cwtm,
    /// <summary>Dark Knowledge with Permuted Predictions, Eq. (11).</summary>
    Dkpp,
}

/// <summary>
/// Builds an objective from its name, as written in experiment specs. Deliberately not called "Objectives": a type
/// named like its namespace cannot be reached as <c>Objectives.Create</c> from code in BanStudio.Training.* (C# finds
/// the namespace first), which is exactly where the trainer lives.
/// </summary>
public static class Objective
{
    private static readonly (string Name, ObjectiveKind Kind)[] Table =
    [
        ("label", ObjectiveKind.Label),
        ("ban", ObjectiveKind.Ban),
        ("ban+l", ObjectiveKind.BanPlusLabel),
        ("cwtm", ObjectiveKind.Cwtm),
        ("dkpp", ObjectiveKind.Dkpp),
    ];

    /// <summary>The valid names: "label", "ban", "ban+l", "cwtm", "dkpp".</summary>
    public static IReadOnlyList<string> Names { get; } = Table.Select(e => e.Name).ToArray();

    /// <summary>The kind for a name (case-insensitive, surrounding spaces ignored).</summary>
    public static ObjectiveKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var (n, kind) in Table)
            if (string.Equals(n, name.Trim(), StringComparison.OrdinalIgnoreCase)) return kind;
        throw new ArgumentException(
            $"Unknown objective '{name}'. Valid objectives: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>The spec name of a kind; <see cref="Parse"/> inverts it.</summary>
    public static string NameOf(ObjectiveKind kind) =>
        Table.FirstOrDefault(e => e.Kind == kind).Name
        ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an objective kind.");

    /// <summary>
    /// Builds the named objective. <paramref name="seed"/> (the run's seed) drives DKPP's permutations and is unused
    /// otherwise. <paramref name="temperature"/> applies to the teacher-softmax objectives (ban, ban+l, dkpp); label
    /// and cwtm have none, so a temperature other than 1 for them is refused rather than silently ignored.
    /// </summary>
    public static IDistillationObjective Create(string name, long seed, double temperature = 1) =>
        Create(Parse(name), seed, temperature);

    /// <inheritdoc cref="Create(string, long, double)"/>
    public static IDistillationObjective Create(ObjectiveKind kind, long seed, double temperature = 1)
    {
        if (temperature != 1 && kind is ObjectiveKind.Label or ObjectiveKind.Cwtm)
            throw new ArgumentException(
                $"The '{NameOf(kind)}' objective has no temperature (got {temperature}); a temperature applies to ban, ban+l and dkpp only.",
                nameof(temperature));
        return kind switch
        {
            ObjectiveKind.Label => new Label(),
            ObjectiveKind.Ban => new Ban(temperature),
            ObjectiveKind.BanPlusLabel => new BanPlusLabel(temperature),
            ObjectiveKind.Cwtm => new Cwtm(),
            ObjectiveKind.Dkpp => new Dkpp(seed, temperature),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an objective kind."),
        };
    }
}
