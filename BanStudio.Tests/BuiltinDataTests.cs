using BanStudio.Training.Data;

namespace BanStudio.Tests;

/// <summary>A test class's own built-in dataset and temporary folder, both gone after its tests.</summary>
public abstract class BuiltinDataTests(int seed, int trainSize, int testSize, string folderPrefix) : IDisposable
{
    protected readonly ImageSplits _data = BuiltinDataset.Generate(seed: seed, trainSize: trainSize, testSize: testSize);
    protected readonly string _dir = Directory.CreateTempSubdirectory(folderPrefix).FullName;

    public void Dispose()
    {
        _data.Dispose();
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
