using TorchSharp;

namespace BanStudio.Training.Training;

/// <summary>
/// Scalars that live as long as the process, for the operations every training step runs. An operator such as
/// <c>a + b</c> hands libtorch a new <see cref="Scalar"/> (its alpha of 1) that nothing references once its handle is
/// read, so a collection during the native call may finalize it while libtorch reads it (see <see cref="SGD"/>); a
/// static field is never collected.
/// </summary>
public static class KeptScalars
{
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>255, what a uint8 pixel is divided by.</summary>
    public static readonly Scalar ByteRange = 255f.ToScalar();
}
