using System.Text.Json.Serialization;

namespace BanStudio.Training.Training;

/// <summary>
/// The number format a model trains in. Float32 is the default; the others are "pure" half modes: every
/// convolution and linear layer, activation and gradient in 16 bits, BatchNorm's weights and statistics kept in
/// float32 (as the fastest CIFAR trainers do), the loss computed on float32 logits. No autocast exists in
/// TorchSharp 0.107, so this is the half mode it can offer.
/// </summary>
public enum Precision
{
    [JsonStringEnumMemberName("float32")] Float32,
    /// <summary>bfloat16: float32's range, 8 bits of mantissa. Runs on CPUs with AVX512-BF16 and on recent GPUs.</summary>
    [JsonStringEnumMemberName("bfloat16")] BFloat16,
    /// <summary>IEEE half: more mantissa, little range; needs a CUDA device.</summary>
    [JsonStringEnumMemberName("float16")] Float16,
}

public enum LearningRateSchedule
{
    MultiStep,
    Cosine,
    /// <summary>
    /// Language models (paper 4.2): lr multiplied by <see cref="TrainingSchedule.Gamma"/> after an epoch whose
    /// validation perplexity did not improve on the previous epoch's by at least <see cref="TrainingSchedule.PlateauThreshold"/>.
    /// </summary>
    Plateau,
}

/// <summary>
/// The optimisation schedule shared by a teacher and all its students (paper 4.1: "using the same
/// training schedule originally used to train the teacher"). Defaults are Wide-ResNet's CIFAR
/// recipe: SGD, Nesterov momentum 0.9, weight decay 5e-4, lr 0.1 multiplied by 0.2 at 30%, 60%
/// and 80% of the epochs (60/120/160 of 200).
/// </summary>
public sealed record TrainingSchedule
{
    public int Epochs { get; init; } = 200;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 0.1;
    public double Momentum { get; init; } = 0.9;
    public bool Nesterov { get; init; } = true;
    public double WeightDecay { get; init; } = 5e-4;
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.MultiStep;
    /// <summary>Fractions of the run at which the multistep schedule multiplies lr by <see cref="Gamma"/>.</summary>
    public double[] Milestones { get; init; } = [0.3, 0.6, 0.8];
    public double Gamma { get; init; } = 0.2;
    /// <summary>
    /// Plateau schedule only: the drop in validation perplexity an epoch must achieve to keep the learning rate
    /// (0: any decrease, the paper's LSTM; 0.5: the paper's CNN-LSTM). Null is 0.
    /// </summary>
    public double? PlateauThreshold { get; init; }
    /// <summary>Rescale the gradient to this global L2 norm when it is larger (language models: 5, as Zaremba et al. and Kim et al.); null: no clipping.</summary>
    public double? ClipGradNorm { get; init; }
    /// <summary>
    /// Language models only: the number of parallel streams the test split is scored in; null: the training batch
    /// size (as validation always is). 1 scores every test word with all the words before it as context, which is
    /// how Zaremba et al.'s and Kim et al.'s code report test perplexity; with B streams the first words of each
    /// stream start from a zero state, which costs a little perplexity. Left out of the JSON when null, so specs and
    /// the fingerprints of runs made before it existed stay the same.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TestBatchSize { get; init; }

    /// <summary>The test split's streams: <see cref="TestBatchSize"/> with its default applied.</summary>
    [JsonIgnore]
    public int TestStreams => TestBatchSize ?? BatchSize;
    /// <summary>
    /// The number format of the image models (<see cref="Training.Precision"/>). Left out of the JSON when float32, so
    /// specs and the fingerprints of runs made before it existed stay the same.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>
    /// CUDA only: whether float32 matrix products and convolutions may use TensorFloat-32 (float32's range, a 10-bit
    /// mantissa) on GPUs that have it (Ampere and later). On by default, as the fast trainers run; false asks for
    /// IEEE float32 throughout. Null stands for on: an explicit true is stored as null, so a spec that says it and one
    /// that leaves it out are the same spec, and specs written before the setting existed keep their fingerprints.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Tf32 { get; init => field = value is true ? null : value; }

    /// <summary><see cref="Tf32"/> with its default applied.</summary>
    [JsonIgnore]
    public bool UsesTf32 => Tf32 ?? true;

    /// <summary>
    /// The epochs (0-based, first epoch with the reduced rate) at which the multistep schedule steps;
    /// never epoch 0, or a very short run would start at a reduced rate. Written into spec JSON although computed:
    /// the runs' fingerprints serialise the schedule, so leaving it out would retrain every finished run.
    /// </summary>
    public IReadOnlyList<int> MilestoneEpochs => Milestones.Select(m => Math.Max(1, (int)Math.Round(m * Epochs))).ToArray();

    /// <summary>Learning rate for a 0-based epoch.</summary>
    public double LearningRateAt(int epoch) => Schedule switch
    {
        LearningRateSchedule.Cosine => 0.5 * LearningRate * (1 + Math.Cos(Math.PI * epoch / Epochs)),
        // Plateau: the rate after epoch e depends on validation results, which the sequence trainer tracks.
        LearningRateSchedule.Plateau => LearningRate,
        _ => LearningRate * Math.Pow(Gamma, MilestoneEpochs.Count(m => epoch >= m)),
    };

    public IReadOnlyList<SpecError> Validate(string prefix = "schedule")
    {
        var errors = new List<SpecError>();
        if (Epochs is < 1 or > 10_000)
            errors.Add(new($"{prefix}.epochs", $"must be between 1 and 10000 (got {Epochs}); the paper uses 200 for CIFAR"));
        if (BatchSize is < 1 or > 65_536)
            errors.Add(new($"{prefix}.batchSize", $"must be between 1 and 65536 (got {BatchSize}); the paper uses 128 for CIFAR"));
        if (!(LearningRate > 0 && LearningRate <= 100))
            errors.Add(new($"{prefix}.learningRate", $"must be positive and at most 100 (got {LearningRate}); the paper uses 0.1"));
        if (!(Momentum >= 0 && Momentum < 1))
            errors.Add(new($"{prefix}.momentum", $"must be in [0, 1) (got {Momentum}); the paper uses 0.9"));
        if (Nesterov && Momentum == 0)
            errors.Add(new($"{prefix}.nesterov", "Nesterov momentum needs momentum > 0; set momentum (e.g. 0.9) or nesterov to false"));
        if (!(WeightDecay >= 0 && WeightDecay < 1))
            errors.Add(new($"{prefix}.weightDecay", $"must be in [0, 1) (got {WeightDecay}); the paper uses 5e-4"));
        if (!(Gamma > 0 && Gamma <= 1))
            errors.Add(new($"{prefix}.gamma", $"must be in (0, 1] (got {Gamma}); the paper uses 0.2"));
        if (Milestones is null || Milestones.Any(m => !(m > 0 && m < 1)))
            errors.Add(new($"{prefix}.milestones", "each milestone is a fraction of the run strictly between 0 and 1, e.g. [0.3, 0.6, 0.8]"));
        else if (Milestones.Zip(Milestones.Skip(1)).Any(p => p.Second <= p.First))
            errors.Add(new($"{prefix}.milestones", "milestones must be increasing, e.g. [0.3, 0.6, 0.8]"));
        if (PlateauThreshold is { } threshold && !(threshold >= 0 && threshold <= 1000))
            errors.Add(new($"{prefix}.plateauThreshold", $"must be between 0 and 1000 perplexity points (got {threshold}); the paper uses 0 for the LSTM, 0.5 for the CNN-LSTM"));
        if (PlateauThreshold is not null && Schedule != LearningRateSchedule.Plateau)
            errors.Add(new($"{prefix}.plateauThreshold", "applies only to \"schedule\": \"plateau\"; remove it or set the schedule to plateau"));
        if (ClipGradNorm is { } clip && !(clip > 0 && clip <= 1e6))
            errors.Add(new($"{prefix}.clipGradNorm", $"must be positive (got {clip}); language models use 5"));
        if (TestBatchSize is < 1 or > 65_536)
            errors.Add(new($"{prefix}.testBatchSize", $"must be between 1 and 65536 (got {TestBatchSize}); 1 scores every test word with its whole context (Zaremba et al.), or leave it out for the training batch size"));
        return errors;
    }
}

/// <summary>Maps <see cref="Precision"/> to libtorch's types.</summary>
public static class Precisions
{
    public static TorchSharp.torch.ScalarType ScalarTypeOf(Precision precision) => precision switch
    {
        Precision.BFloat16 => TorchSharp.torch.ScalarType.BFloat16,
        Precision.Float16 => TorchSharp.torch.ScalarType.Float16,
        _ => TorchSharp.torch.ScalarType.Float32,
    };

    /// <summary>
    /// Sets libtorch's TensorFloat-32 switches (cuBLAS matrix products and cuDNN convolutions and RNNs) to the
    /// schedule's <see cref="TrainingSchedule.Tf32"/> when the run is on a CUDA device, and returns what it set; on
    /// the CPU it changes nothing and returns null (libtorch's float32 matrix-precision setting can reach CPU
    /// kernels too, so the switches are left alone where they would mean nothing but a risk). The switches are
    /// process-wide: each run sets them as it starts.
    /// </summary>
    public static bool? ApplyTf32(TorchSharp.torch.Device device, TrainingSchedule schedule)
    {
        if (device.type != TorchSharp.DeviceType.CUDA) return null;
        TorchSharp.torch.backends.cuda.matmul.allow_tf32 = schedule.UsesTf32;
        TorchSharp.torch.backends.cudnn.allow_tf32 = schedule.UsesTf32;
        return schedule.UsesTf32;
    }
}
