using BanStudio.Tests.Data;
using BanStudio.Training;
using BanStudio.Training.Data;

namespace BanStudio.Tests.BadInput;

/// <summary>Dataset paths resolved as the kernel resolves them: every link followed, ".." applied to where a link led.</summary>
public sealed class DataRootsTests : IDisposable
{
    readonly TempFolder _temp = new();
    readonly string _root;
    readonly string _outside;

    public DataRootsTests()
    {
        _root = _temp.Sub("root");
        _outside = _temp.Sub("outside");
        Directory.CreateDirectory(Path.Combine(_root, "cifar", "deep"));
    }

    public void Dispose() => _temp.Dispose();

    SpecError? Check(string path) => DataRoots.Check(new DatasetSpec(DatasetKinds.Cifar10, Path: path), [_root]);

    [Fact]
    public void A_folder_inside_a_root_is_accepted_and_one_beside_it_is_refused_naming_the_roots()
    {
        Assert.Null(Check(Path.Combine(_root, "cifar")));
        Assert.Null(Check(Path.Combine(_root, "cifar", "deep", "..", "..", "cifar")));
        Assert.Null(Check(_root));
        var error = Check(_outside)!;
        Assert.Equal("dataset.path", error.Field);
        Assert.Contains(_root, error.Message);
        // A sibling whose name merely starts with the root's is not inside it.
        Assert.NotNull(Check(_root + "-evil"));
        Assert.NotNull(Check(Path.Combine(_root, "..", "outside")));
    }

    [Fact]
    public void Links_are_followed_before_deciding()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "escape"), _outside);
        Directory.CreateSymbolicLink(Path.Combine(_root, "relative-escape"), Path.Combine("..", "outside"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), Path.Combine(_root, "cifar"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "cifar", "deep", "up"), Path.Combine("..", ".."));

        Assert.NotNull(Check(Path.Combine(_root, "escape")));
        Assert.NotNull(Check(Path.Combine(_root, "relative-escape")));
        Assert.Null(Check(Path.Combine(_root, "alias", "deep")));
        // ".." after a link climbs from where the link led, not from the link's own folder:
        // root/cifar/deep/up is root itself, so up/.. is the temp folder, outside.
        Assert.Null(Check(Path.Combine(_root, "cifar", "deep", "up")));
        Assert.NotNull(Check(Path.Combine(_root, "cifar", "deep", "up", "..")));
        Assert.Equal(Path.Combine(_root, "cifar"), DataRoots.TryResolve(Path.Combine(_root, "alias")));
    }

    [Fact]
    public void A_root_that_is_itself_a_link_admits_what_lies_under_its_target()
    {
        string linkRoot = Path.Combine(_temp.Path, "root-link");
        Directory.CreateSymbolicLink(linkRoot, _root);
        var spec = new DatasetSpec(DatasetKinds.Cifar10, Path: Path.Combine(_root, "cifar"));
        Assert.Null(DataRoots.Check(spec, [linkRoot]));
        Assert.Null(DataRoots.Check(spec with { Path = Path.Combine(linkRoot, "cifar") }, [linkRoot]));
    }

    [Fact]
    public void A_link_loop_is_refused_instead_of_hanging()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "a"), Path.Combine(_root, "b"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "b"), Path.Combine(_root, "a"));
        Assert.Null(DataRoots.TryResolve(Path.Combine(_root, "a", "x")));
        Assert.NotNull(Check(Path.Combine(_root, "a")));
    }
}
