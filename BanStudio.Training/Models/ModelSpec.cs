using System.Text.Json.Serialization;
using BanStudio.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Models;

/// <summary>
/// An immutable, JSON-serialisable description of one network. The "family" property selects the
/// concrete record. Input channels, image size and class count are not part of a spec: they come
/// from the dataset at <see cref="Build"/> time.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "family", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(DenseNetSpec), "densenet")]
[JsonDerivedType(typeof(WideResNetSpec), "wideresnet")]
[JsonDerivedType(typeof(PreResNetSpec), "preresnet")]
[JsonDerivedType(typeof(BanResNetSpec), "banresnet")]
[JsonDerivedType(typeof(Language.LstmSpec), "lstm")]
[JsonDerivedType(typeof(Language.CnnLstmSpec), "cnnlstm")]
public abstract record ModelSpec
{
    /// <summary>The name a researcher knows it by, e.g. "DenseNet-112-33" or "WRN-28-10".</summary>
    [JsonIgnore] public abstract string DisplayName { get; }

    /// <summary>Every problem with this spec, each naming its JSON field and the fix; empty when valid.</summary>
    public abstract IReadOnlyList<SpecError> Validate();

    /// <summary>
    /// Whether <paramref name="other"/> builds the same network: equal as spec JSON once every "name" is left out, so
    /// the preset "DenseNet-90-60" and an unnamed DenseNet of that layout are one architecture (record equality, which
    /// compares names too, would call a student of the teacher's layout cross-architecture).
    /// </summary>
    public bool SameArchitecture(ModelSpec? other) =>
        other is not null && (Equals(other) || System.Text.Json.Nodes.JsonNode.DeepEquals(Unnamed(this), Unnamed(other)));

    static System.Text.Json.Nodes.JsonNode? Unnamed(ModelSpec spec)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(SpecJson.Write<ModelSpec>(spec));
        Strip(node);
        return node;

        static void Strip(System.Text.Json.Nodes.JsonNode? n)
        {
            if (n is not System.Text.Json.Nodes.JsonObject o) return;
            o.Remove("name");
            foreach (var (_, child) in o) Strip(child);
        }
    }

    /// <summary>
    /// Builds a freshly initialised network for this data shape (validates first).
    /// With a <paramref name="seed"/> the initial weights depend on it alone (two builds with one
    /// seed on one device are identical); without one they come from torch's global generator,
    /// so <c>torch.manual_seed</c> governs them as in PyTorch. <paramref name="device"/> defaults to the CPU.
    /// </summary>
    public BanModel Build(DataShape shape, long? seed = null, Device? device = null)
    {
        SpecValidationException.ThrowIfAny(Validate());
        var model = Create(shape, device);
        if (device?.type == DeviceType.META) return model; // shapes only: nothing to initialise
        Training.CpuConvolutions.Configure(); // oneDNN off where it computes convolutions wrongly (once per process)
        using var generator = seed is null ? null : new Generator(unchecked((ulong)seed.Value), device ?? CPU);
        // Language models follow their own papers' initialisation (uniform in [-r, r]), not the CIFAR one.
        if (model is Language.LanguageModel languageModel) languageModel.Initialise(generator);
        else WeightInit.Apply(model, generator);
        return model;
    }

    /// <summary>
    /// The number of trainable parameters <see cref="Build"/> would give, without allocating them:
    /// the very same modules are constructed on libtorch's "meta" device, which records shapes only,
    /// so a 90M-parameter network costs microseconds and no memory, and the count cannot drift from the model.
    /// </summary>
    public long CountParameters(DataShape shape)
    {
        SpecValidationException.ThrowIfAny(Validate());
        using var model = Create(shape, META);
        return model.parameters().Sum(p => p.numel());
    }

    /// <summary>Constructs the modules (uninitialised) on <paramref name="device"/>; the spec is valid here.</summary>
    protected abstract BanModel Create(DataShape shape, Device? device);

    private static readonly Device META = new(DeviceType.META);
}

/// <summary>
/// Every image model exposes its first convolution and its last fully connected layer: the
/// cross-architecture students of section 3.4 share (and freeze) exactly these with the teacher.
/// </summary>
public abstract class BanModel(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>The format of the convolutions and linear layers: float32 unless <see cref="UsePrecision"/> changed it.</summary>
    public ScalarType ComputeType { get; private set; } = ScalarType.Float32;

    /// <summary>
    /// Converts every parameter and buffer to <paramref name="type"/> except BatchNorm's, which stay float32 (their
    /// running statistics would lose too much in 16 bits). Inputs are converted on the way in and the logits come
    /// out as float32 (see <see cref="Input"/>, <see cref="Output"/>), so a caller never sees the difference. Call it
    /// before building an optimiser over the parameters.
    /// </summary>
    public void UsePrecision(ScalarType type)
    {
        if (type == ComputeType) return;
        this.to(type);
        foreach (var module in modules())
            if (module is TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d) module.to(ScalarType.Float32);
        ComputeType = type;
    }

    /// <summary>The model's input in its compute format (unchanged in float32).</summary>
    protected Tensor Input(Tensor x) => x.dtype == ComputeType ? x : x.to(ComputeType);

    /// <summary>The logits as float32, whatever the compute format: losses and softmaxes are taken in float32.</summary>
    protected static Tensor Output(Tensor logits) => logits.dtype == ScalarType.Float32 ? logits : logits.to(ScalarType.Float32);

    /// <summary>The first convolution (conv1).</summary>
    public abstract nn.Module<Tensor, Tensor> Stem { get; }

    /// <summary>The last fully connected layer (fc-output).</summary>
    public abstract nn.Module<Tensor, Tensor> Classifier { get; }

    /// <summary>
    /// Section 3.4 / Table 5: the student takes the teacher's trained first convolution and last
    /// fully connected layer and keeps them frozen. Copies both from <paramref name="teacher"/> into
    /// this model and sets requires_grad to false on them. Hand only the parameters that still
    /// require grad to the optimiser, or weight decay would keep shrinking the frozen ones.
    /// </summary>
    /// <exception cref="ArgumentException">When a stem or classifier tensor differs in shape; nothing is copied then.</exception>
    public void CopyAndFreezeStemAndClassifier(BanModel teacher)
    {
        var pairs = SharedPairs(teacher.Stem, Stem, "stem").Concat(SharedPairs(teacher.Classifier, Classifier, "classifier")).ToList();
        using var noGrad = no_grad();
        foreach (var (from, to) in pairs)
        {
            to.copy_(from);
            to.requires_grad_(false);
        }
    }

    private static IEnumerable<(Tensor From, Tensor To)> SharedPairs(nn.Module from, nn.Module to, string what)
    {
        var source = from.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var target = to.named_parameters().ToList();
        if (source.Count != target.Count || target.Any(t => !source.ContainsKey(t.name)))
            throw new ArgumentException($"The teacher's {what} has parameters [{string.Join(", ", source.Keys)}], the student's [{string.Join(", ", target.Select(t => t.name))}].");
        var pairs = target.Select(t => (From: source[t.name], To: (Tensor)t.parameter)).ToList();
        var (f, t) = pairs.FirstOrDefault(p => !p.From.shape.SequenceEqual(p.To.shape));
        if (f is not null)
            throw new ArgumentException($"The teacher's {what} is [{string.Join(", ", f.shape)}], the student's [{string.Join(", ", t.shape)}]: they cannot share it.");
        return pairs;
    }
}
