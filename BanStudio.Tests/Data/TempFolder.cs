namespace BanStudio.Tests.Data;

/// <summary>
/// A fresh folder under the system temp folder, deleted with everything in it on dispose. Pooled SQLite connections
/// are closed first: the tests keep their app's database in such a folder, and a pooled connection keeps the file open.
/// </summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "banstudio-test-" + Guid.NewGuid().ToString("N"));

    public string Sub(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Path, name)).FullName;

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a file still open on a failing test; the OS cleans temp */ }
    }
}
