using System.Text.Json.Serialization;
using BanStudio.Training.Data;
using static TorchSharp.torch;

namespace BanStudio.Training.Models;

/// <summary>
/// An immutable, JSON-serialisable description of one network. The "family" property selects the
/// concrete record. Input channels, image size and class count are not part of a spec: they come
/// from the dataset at <see cref="Build"/> time.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "family", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
// Concrete families register here with [JsonDerivedType(typeof(XSpec), "x")].
public abstract record ModelSpec
{
    /// <summary>The name a researcher knows it by, e.g. "DenseNet-112-33" or "WRN-28-10".</summary>
    [JsonIgnore] public abstract string DisplayName { get; }

    /// <summary>Every problem with this spec, each naming its JSON field and the fix; empty when valid.</summary>
    public abstract IReadOnlyList<SpecError> Validate();

    /// <summary>Builds a freshly initialised network for this data shape (validates first).</summary>
    public abstract BanModel Build(DataShape shape);
}

/// <summary>
/// Every image model exposes its first convolution and its last fully connected layer: the
/// cross-architecture students of section 3.4 share (and freeze) exactly these with the teacher.
/// </summary>
public abstract class BanModel(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>The first convolution (conv1).</summary>
    public abstract nn.Module<Tensor, Tensor> Stem { get; }

    /// <summary>The last fully connected layer (fc-output).</summary>
    public abstract nn.Module<Tensor, Tensor> Classifier { get; }
}
