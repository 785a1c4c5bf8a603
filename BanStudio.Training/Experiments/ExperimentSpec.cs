using System.Text.Json.Serialization;
using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Training.Training;

namespace BanStudio.Training.Experiments;

/// <summary>The treatments of Table 2 that learn from the teacher (besides the generation sequence), and Table 5's label-only baseline.</summary>
public enum Treatment
{
    /// <summary>"BAN": a BAN student of the teacher with its own seed, beside the sequence's BAN-1.</summary>
    [JsonStringEnumMemberName("ban")] Ban,
    /// <summary>"BAN+L": teacher outputs plus labels.</summary>
    [JsonStringEnumMemberName("ban+l")] BanPlusLabel,
    /// <summary>"CWTM": labels weighted by the teacher's max probability (Eq. 10).</summary>
    [JsonStringEnumMemberName("cwtm")] Cwtm,
    /// <summary>"DKPP": teacher outputs with the non-argmax probabilities permuted (Eq. 11).</summary>
    [JsonStringEnumMemberName("dkpp")] Dkpp,
    /// <summary>
    /// "Baseline": the students' network trained from labels only, with its own seed (Table 5's Baseline column): the
    /// control that tells what the teacher's outputs add. A BAN-ResNet baseline still shares the teacher's frozen
    /// conv1 and fc-output (section 3.4), so that it differs from its BAN only in the loss.
    /// </summary>
    [JsonStringEnumMemberName("baseline")] Baseline,
}

/// <summary>
/// One born-again experiment, as a researcher writes it: a teacher trained with labels, a sequence of
/// k born-again generations (generation i learns from generation i-1, Eq. 3), treatments that learn
/// from the teacher, and BAN ensembles of consecutive generations (Eq. 4), repeated for each seed.
/// </summary>
public sealed record ExperimentSpec
{
    public string Name { get; init; } = "experiment";
    public DatasetSpec Dataset { get; init; } = new();
    public required ModelSpec Teacher { get; init; }
    /// <summary>The students' architecture; null means the teacher's (born-again in the strict sense).</summary>
    public ModelSpec? Student { get; init; }
    /// <summary>k: BAN-1 ... BAN-k.</summary>
    public int Generations { get; init; } = 2;
    public Treatment[] Treatments { get; init; } = [];
    /// <summary>Evaluate Ens*2 ... Ens*k (averaged softmax of BAN-1..BAN-i).</summary>
    public bool Ensembles { get; init; } = true;
    /// <summary>Also count the teacher as a member of each ensemble (Table 2's 80-120 row does this).</summary>
    public bool EnsembleIncludesTeacher { get; init; }
    /// <summary>
    /// Every first-generation student (BAN-1 and each treatment: Baseline, BAN+L, CWTM, DKPP, BAN) starts from the same
    /// initial weights and sees the same batches and augmentation: they all take the model seed of the seed's first
    /// student (seed x 1000 + 1, BAN-1's when there are generations), so their paired differences measure the loss
    /// alone (a common-random-numbers design; Table 5's Baseline then differs from BAN-1 in its loss only). False (the
    /// default): each treatment has its own seed. Left out of the JSON when false, so specs written before it existed
    /// stay the same; it changes only the treatments' model seeds, so the teacher and the generations are reused.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SharedStart { get; init; }
    /// <summary>Distillation temperature for BAN, BAN+L and DKPP; 1 in the paper.</summary>
    public double Temperature { get; init; } = 1;
    /// <summary>
    /// The objective of the generation sequence: "ban" or "ban+l". Null (the default) takes the paper's for the data:
    /// "ban" for images (its CNNs, Table 2), "ban+l" for text ("LSTM models work only when trained with a combination
    /// of teacher outputs and label loss", section 5.3). See <see cref="EffectiveGenerationObjective"/>.
    /// </summary>
    public string? GenerationObjective { get; init; }
    public TrainingSchedule Schedule { get; init; } = new();
    public long[] Seeds { get; init; } = [1];
    public string Device { get; init; } = "cpu";

    /// <summary><see cref="GenerationObjective"/>, or the paper's for the data when it is not given.</summary>
    [NotWritten]
    public string EffectiveGenerationObjective => GenerationObjective ?? (Dataset?.IsText == true ? "ban+l" : "ban");

    /// <summary>The architecture every student uses.</summary>
    [NotWritten]
    public ModelSpec StudentModel => Student ?? Teacher;

    /// <summary>True when students differ from the teacher in architecture (section 3.4, Table 3 right column, Table 5).</summary>
    [NotWritten]
    public bool IsCrossArchitecture => Student is not null && !Student.SameArchitecture(Teacher);
}
