namespace BanStudio.Tests;

/// <summary>
/// Tests that train or seed torch's global generator run one at a time: they share libtorch's global
/// random state and, on two cores, running them in parallel only makes each slower.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
