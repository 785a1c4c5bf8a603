using System.Text.Json;
using BanStudio.Training;
using BanStudio.Training.Data;
using static BanStudio.Tests.Data.OfficialFormats;

namespace BanStudio.Tests.Data;

public sealed class DatasetSpecTests : IDisposable
{
    static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    DatasetCatalog EmptyCatalog() => new([_temp.Sub("empty-root")], includeSystemFolders: false);

    [Fact]
    public void A_spec_round_trips_through_camelCase_json()
    {
        var spec = new DatasetSpec(DatasetKinds.Cifar100, Path: "/data", TrainLimit: 5000, LimitMode: LimitMode.First);

        string json = JsonSerializer.Serialize(spec, Web);

        Assert.Contains("\"kind\":\"cifar100\"", json);
        Assert.Contains("\"trainLimit\":5000", json);
        Assert.Contains("\"limitMode\":\"first\"", json);
        Assert.DoesNotContain("seed", json);
        Assert.Equal(spec, JsonSerializer.Deserialize<DatasetSpec>(json, Web));
        Assert.Equal(new DatasetSpec(), JsonSerializer.Deserialize<DatasetSpec>("{}", Web));
        Assert.Equal(new DatasetSpec(Seed: 4), JsonSerializer.Deserialize<DatasetSpec>("{\"kind\":\"builtin\",\"seed\":4}", Web));
    }

    [Fact]
    public void An_unknown_kind_is_reported_with_the_valid_kinds()
    {
        var errors = new DatasetSpec("imagenet").Validate();

        var error = Assert.Single(errors);
        Assert.Equal("dataset.kind", error.Field);
        Assert.Contains("builtin, cifar10, cifar100, fashion-mnist, mnist", error.Message);
    }

    [Fact]
    public void Sizes_that_are_negative_or_absurd_name_their_field()
    {
        var errors = new DatasetSpec(TrainSize: -5, TestSize: 50_000_000, TrainLimit: 0).Validate();

        Assert.Equal(["dataset.trainSize", "dataset.testSize", "dataset.trainLimit"], errors.Select(e => e.Field));
        Assert.Contains("between 10", errors[0].Message);
    }

    [Fact]
    public void A_limit_larger_than_the_split_is_an_error()
    {
        var errors = new DatasetSpec(TrainSize: 1000, TestLimit: 2000).Validate();

        var error = Assert.Single(errors);
        Assert.Equal("dataset.testLimit", error.Field);
        Assert.Contains("1,000 test images", error.Message);
    }

    [Fact]
    public void Builtin_options_on_a_file_dataset_and_a_path_on_the_builtin_one_are_errors()
    {
        WriteCifar10Binary(_temp.Path);

        var cifar = new DatasetSpec(DatasetKinds.Cifar10, Path: _temp.Path, Seed: 3).Validate();
        var builtin = new DatasetSpec(Path: _temp.Path).Validate();

        Assert.Equal("dataset.seed", Assert.Single(cifar).Field);
        Assert.Equal("dataset.path", Assert.Single(builtin).Field);
    }

    [Fact]
    public void A_missing_folder_and_a_dataset_found_nowhere_are_path_errors()
    {
        string missing = Path.Combine(_temp.Path, "nope");

        var errors = new DatasetSpec(DatasetKinds.Cifar10, Path: missing).Validate();
        var nowhere = new DatasetSpec(DatasetKinds.FashionMnist).Validate(EmptyCatalog());
        var wrongFolder = new DatasetSpec(DatasetKinds.Mnist, Path: _temp.Path).Validate();

        Assert.Equal("dataset.path", Assert.Single(errors).Field);
        Assert.Contains($"folder '{missing}' does not exist", errors[0].Message);
        Assert.Equal("dataset.path", Assert.Single(nowhere).Field);
        Assert.Contains(Path.Combine(_temp.Path, "empty-root", "fashion-mnist"), nowhere[0].Message);
        Assert.Contains("train-images-idx3-ubyte[.gz]", Assert.Single(wrongFolder).Message);
    }

    [Fact]
    public void Load_refuses_an_invalid_spec_with_every_problem()
    {
        var e = Assert.Throws<SpecValidationException>(() => new DatasetSpec(TrainSize: 1, TestSize: 3).Load());

        Assert.Equal(2, e.Errors.Count);
    }

    [Fact]
    public void A_cifar_spec_loads_from_its_path()
    {
        WriteCifar10Binary(_temp.Path, perBatch: 20);

        using var data = new DatasetSpec(DatasetKinds.Cifar10, Path: _temp.Path).Load();

        Assert.Equal(100, data.Train.Count);
        Assert.Equal("CIFAR-10", data.Name);
    }

    [Fact]
    public void A_spec_without_path_loads_from_the_catalogs_data_folders()
    {
        WriteIdxSet(Path.Combine(_temp.Sub("root"), "mnist"), gzip: true);
        var catalog = new DatasetCatalog([Path.Combine(_temp.Path, "root")], includeSystemFolders: false);

        using var data = new DatasetSpec(DatasetKinds.Mnist).Load(catalog);

        Assert.Equal(30, data.Train.Count);
        Assert.Equal(new DataShape(1, 28, 10), data.Shape);
    }

    [Fact]
    public void A_stratified_limit_balances_classes_and_keeps_the_full_training_statistics()
    {
        using var full = new DatasetSpec(Seed: 5, TrainSize: 1000, TestSize: 200).Load();
        using var limited = new DatasetSpec(Seed: 5, TrainSize: 1000, TestSize: 200, TrainLimit: 95, TestLimit: 40).Load();

        Assert.Equal(95, limited.Train.Count);
        Assert.Equal(40, limited.Test.Count);
        Assert.InRange(limited.Train.ClassCounts().Min(), 9, 10);
        Assert.All(limited.Test.ClassCounts(), n => Assert.Equal(4, n));
        Assert.Equal(full.Mean, limited.Mean);
        Assert.Equal(full.Std, limited.Std);
    }

    [Fact]
    public void A_first_n_limit_takes_the_first_images_in_order()
    {
        WriteCifar10Binary(_temp.Path, perBatch: 20);

        using var data = new DatasetSpec(DatasetKinds.Cifar10, Path: _temp.Path, TrainLimit: 7, LimitMode: LimitMode.First).Load();

        Assert.Equal(7, data.Train.Count);
        Assert.Equal(Enumerable.Range(0, 7).Select(r => (long)Cifar10Label(r)), data.Train.Labels.data<long>().ToArray());
        Assert.Equal(20, data.Test.Count);
    }

    [Fact]
    public void Stratified_selection_takes_each_class_in_turn_in_file_order()
    {
        long[] labels = [0, 0, 0, 1, 2, 0, 1, 2, 2, 2];

        var picked = SubsetSelection.Stratified(labels, classes: 3, count: 5);

        // Round one: indices 0 (class 0), 3 (class 1), 4 (class 2); round two: 1 (class 0), 6 (class 1).
        Assert.Equal([0L, 1, 3, 4, 6], picked);
    }
}
