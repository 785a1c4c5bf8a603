using BanStudio.Training.Models;

namespace BanStudio.Training.Experiments;

/// <summary>
/// Section 3.4 and Table 5: a ResNet student built to match a DenseNet teacher's stage shapes shares
/// the teacher's first convolution (conv1) and last fully connected layer (fc-output), which are
/// copied and frozen (<see cref="BanModel.CopyAndFreezeStemAndClassifier"/>). A ResNet teacher
/// teaching a DenseNet student (Table 3, right column) shares nothing.
/// </summary>
public static class CrossArchitecture
{
    public static bool SharesLayers(ModelSpec teacher, ModelSpec student) =>
        teacher is DenseNetSpec && student is BanResNetSpec;
}
