namespace BanStudio.Training.Data;

/// <summary>One file to fetch, with its official MD5. A <c>.tar.gz</c> is extracted and then deleted.</summary>
public sealed record DownloadFile(string Name, string Md5, long? Size = null)
{
    public bool IsArchive => Name.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Where a dataset is downloaded from and where it lands: <see cref="Folder"/> under the data root (the
/// folder an archive extracts to, or the folder plain files are saved in). Override <see cref="BaseUrl"/>
/// with <c>with</c> for a mirror, or for a local server in tests.
/// </summary>
public sealed record DownloadSource(string Kind, Uri BaseUrl, IReadOnlyList<DownloadFile> Files, string Folder)
{
    /// <summary>The dataset authors' own hosts and checksums (as listed by the authors and by torchvision).</summary>
    public static DownloadSource? Official(string kind) => kind switch
    {
        DatasetKinds.Cifar10 => new(kind, new Uri("https://www.cs.toronto.edu/~kriz/"),
            [new("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", 170_052_171)], "cifar-10-batches-bin"),
        DatasetKinds.Cifar100 => new(kind, new Uri("https://www.cs.toronto.edu/~kriz/"),
            [new("cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8", 168_513_733)], "cifar-100-binary"),
        DatasetKinds.FashionMnist => new(kind,
            new Uri("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
            [
                new("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                new("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                new("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                new("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
            ], "fashion-mnist"),
        DatasetKinds.Mnist => new(kind, new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
            [
                new("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                new("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                new("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                new("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
            ], "mnist"),
        _ => null,
    };
}

public enum DownloadStage { Downloading, Extracting, Done }

/// <summary>Progress of one file: bytes received (or, while extracting, archive bytes read) of the total when known.</summary>
public sealed record DownloadProgress(string File, DownloadStage Stage, long BytesDone, long? BytesTotal)
{
    public double? Fraction => BytesTotal is > 0 ? (double)BytesDone / BytesTotal.Value : null;
}
