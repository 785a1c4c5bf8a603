using BanStudio.Training.Data;
using BanStudio.Web.Features.Datasets;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>
/// The data shape a model is counted and estimated for: the image kinds' own, a text corpus's vocabulary as the class
/// count (PTB's 10,000 words, the built-in text's grammar), the built-in images' for a kind nobody knows.
/// </summary>
public static class DataShapes
{
    public static DataShape Of(DatasetSpec dataset) =>
        dataset.IsText ? TextDatasetEntries.Info(dataset.Kind).Shape
        : dataset.Info?.Shape ?? DatasetKinds.Info(DatasetKinds.Builtin).Shape;
}
