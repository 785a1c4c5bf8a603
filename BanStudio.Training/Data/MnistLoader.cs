using static TorchSharp.torch;

namespace BanStudio.Training.Data;

/// <summary>
/// Loads MNIST or Fashion-MNIST from the four idx files, plain or gzipped (the Debian package
/// <c>dataset-fashion-mnist</c> installs the .gz files in /usr/share/datasets/fashion-mnist).
/// We read our own rather than TorchVision's, which decompresses into the data folder and builds one
/// tensor per image.
/// </summary>
public static class MnistLoader
{
    public const string IdxFormat = "idx";

    public static IReadOnlyList<string> FashionClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static IReadOnlyList<string> DigitClassNames { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public static ImageSplits Load(string folder, bool fashion)
    {
        var layout = fashion ? DatasetLayout.FashionMnist : DatasetLayout.Mnist;
        var (dir, set) = layout.Resolve(folder);
        string name = layout.DisplayName;
        using var scope = NewDisposeScope();
        var train = Split(layout, dir, set, "train", name + " train");
        var test = Split(layout, dir, set, "t10k", name + " test");
        return ImageSplits.WithTrainStatistics(name, train, test, fashion ? FashionClassNames : DigitClassNames, dir);
    }

    static ImageDataset Split(DatasetLayout layout, string dir, DatasetFileSet set, string prefix, string name)
    {
        string imagesPath = layout.Require(dir, set, prefix + "-images-idx3-ubyte");
        string labelsPath = layout.Require(dir, set, prefix + "-labels-idx1-ubyte");
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath, 10);
        if (labels.shape[0] != images.shape[0])
            throw new DatasetFileException(labelsPath,
                $"has {Numbers.N(labels.shape[0])} labels but {Path.GetFileName(imagesPath)} has {Numbers.N(images.shape[0])} images");
        if (images.shape[2] != images.shape[3])
            throw new DatasetFileException(imagesPath, $"holds {images.shape[2]}x{images.shape[3]} images; square images expected");
        return new ImageDataset(name, images, labels, 10);
    }
}
