using BanStudio.Training;
using BanStudio.Training.Data;
using static BanStudio.Tests.Data.OfficialFormats;

namespace BanStudio.Tests.Data;

/// <summary>Every broken file ends in a <see cref="DatasetFileException"/> that names it and says what is wrong.</summary>
public sealed class DatasetFileErrorTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_cifar_batch_of_the_wrong_size_reports_its_size_and_the_official_one()
    {
        string dir = WriteCifar10Binary(_temp.Path, perBatch: 20);
        string batch = Path.Combine(dir, "data_batch_2.bin");
        using (var file = File.OpenWrite(batch)) file.SetLength(20 * 3073 - 1000);

        var e = Assert.Throws<DatasetFileException>(() => CifarLoader.Load(_temp.Path, CifarVariant.Cifar10));

        Assert.Equal(batch, e.Path);
        Assert.Contains("is 60,460 bytes", e.Message);
        Assert.Contains("a CIFAR-10 batch is 30,730,000 (10,000 records of 3,073 bytes)", e.Message);
    }

    [Fact]
    public void A_missing_cifar_batch_is_named_with_the_files_expected()
    {
        string dir = WriteCifar10Binary(_temp.Path);
        File.Delete(Path.Combine(dir, "data_batch_3.bin"));

        var e = Assert.Throws<DatasetFileException>(() => CifarLoader.Load(_temp.Path, CifarVariant.Cifar10));

        Assert.Equal(Path.Combine(dir, "data_batch_3.bin"), e.Path);
        Assert.Contains("is missing", e.Message);
        Assert.Contains("data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin", e.Message);
    }

    [Fact]
    public void A_folder_without_any_dataset_files_lists_what_was_expected()
    {
        var e = Assert.Throws<DatasetFileException>(() => CifarLoader.Load(_temp.Path, CifarVariant.Cifar100));

        Assert.Equal(_temp.Path, e.Path);
        Assert.Contains("train.bin, test.bin", e.Message);
        Assert.Contains("cifar-100-binary/", e.Message);
    }

    [Fact]
    public void A_cifar_label_out_of_range_names_the_record()
    {
        string dir = WriteCifar10Binary(_temp.Path);
        string test = Path.Combine(dir, "test_batch.bin");
        var bytes = File.ReadAllBytes(test);
        bytes[5 * 3073] = 12;
        File.WriteAllBytes(test, bytes);

        var e = Assert.Throws<DatasetFileException>(() => CifarLoader.Load(_temp.Path, CifarVariant.Cifar10));

        Assert.Equal(test, e.Path);
        Assert.Contains("record 5 has label 12; labels must be 0..9", e.Message);
    }

    [Fact]
    public void A_cifar100_coarse_label_out_of_range_is_caught_even_when_the_fine_label_is_fine()
    {
        string dir = WriteCifar100Binary(_temp.Path);
        string train = Path.Combine(dir, "train.bin");
        var bytes = File.ReadAllBytes(train);
        bytes[7 * 3074] = 20;
        File.WriteAllBytes(train, bytes);

        var e = Assert.Throws<DatasetFileException>(() => CifarLoader.Load(dir, CifarVariant.Cifar100));

        Assert.Contains("record 7 has coarse label 20", e.Message);
    }

    [Fact]
    public void A_truncated_python_pickle_names_the_file()
    {
        string dir = WriteCifar10Python(_temp.Path);
        string batch = Path.Combine(dir, "data_batch_4");
        var bytes = File.ReadAllBytes(batch);
        File.WriteAllBytes(batch, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<DatasetFileException>(() => CifarLoader.Load(_temp.Path, CifarVariant.Cifar10));

        Assert.Equal(batch, e.Path);
        Assert.Contains("not a readable Python pickle", e.Message);
    }

    [Fact]
    public void An_idx_file_with_the_wrong_magic_number_says_which_one_was_expected()
    {
        WriteIdxSet(_temp.Path, gzip: false);
        // A labels file where the images file should be.
        string images = Path.Combine(_temp.Path, "train-images-idx3-ubyte");
        File.WriteAllBytes(images, Idx1(0, 30));

        var e = Assert.Throws<DatasetFileException>(() => MnistLoader.Load(_temp.Path, fashion: true));

        Assert.Equal(images, e.Path);
        Assert.Contains("magic number 0x00000801", e.Message);
        Assert.Contains("starts with 0x00000803", e.Message);
    }

    [Fact]
    public void A_truncated_idx_file_reports_its_size_and_what_the_header_promised()
    {
        WriteIdxSet(_temp.Path, gzip: false);
        string images = Path.Combine(_temp.Path, "t10k-images-idx3-ubyte");
        File.WriteAllBytes(images, Idx3(30, 10)[..5000]);

        var e = Assert.Throws<DatasetFileException>(() => MnistLoader.Load(_temp.Path, fashion: true));

        Assert.Equal(images, e.Path);
        Assert.Contains("is 5,000 bytes; its header says 10 images of 28x28 = 7,856 bytes (truncated?)", e.Message);
    }

    [Fact]
    public void A_truncated_gzip_download_names_the_gz_file()
    {
        WriteIdxSet(_temp.Path, gzip: true, train: 200);
        string images = Path.Combine(_temp.Path, "train-images-idx3-ubyte.gz");
        var bytes = File.ReadAllBytes(images);
        File.WriteAllBytes(images, bytes[..(bytes.Length * 2 / 3)]);

        var e = Assert.Throws<DatasetFileException>(() => MnistLoader.Load(_temp.Path, fashion: true));

        Assert.Equal(images, e.Path);
        Assert.Matches("truncated|not a valid gzip", e.Message);
    }

    [Fact]
    public void Label_and_image_counts_that_differ_name_the_labels_file()
    {
        WriteIdxSet(_temp.Path, gzip: false, train: 30);
        string labels = Path.Combine(_temp.Path, "train-labels-idx1-ubyte");
        File.WriteAllBytes(labels, Idx1(0, 29));

        var e = Assert.Throws<DatasetFileException>(() => MnistLoader.Load(_temp.Path, fashion: false));

        Assert.Equal(labels, e.Path);
        Assert.Contains("has 29 labels but train-images-idx3-ubyte has 30 images", e.Message);
    }

    [Fact]
    public void An_idx_label_out_of_range_is_reported()
    {
        WriteIdxSet(_temp.Path, gzip: false);
        string labels = Path.Combine(_temp.Path, "t10k-labels-idx1-ubyte");
        var bytes = Idx1(30, 10);
        bytes[8 + 6] = 10;
        File.WriteAllBytes(labels, bytes);

        var e = Assert.Throws<DatasetFileException>(() => MnistLoader.Load(_temp.Path, fashion: false));

        Assert.Equal(labels, e.Path);
        Assert.Contains("label 6 is 10; labels must be 0..9", e.Message);
    }

    [Fact]
    public void A_missing_idx_file_lists_the_four_expected_names()
    {
        WriteIdxSet(_temp.Path, gzip: true);
        File.Delete(Path.Combine(_temp.Path, "t10k-labels-idx1-ubyte.gz"));

        var e = Assert.Throws<DatasetFileException>(() => MnistLoader.Load(_temp.Path, fashion: true));

        Assert.Equal(Path.Combine(_temp.Path, "t10k-labels-idx1-ubyte"), e.Path);
        Assert.Contains("train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]", e.Message);
    }
}
