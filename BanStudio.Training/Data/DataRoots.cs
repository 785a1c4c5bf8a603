namespace BanStudio.Training.Data;

/// <summary>
/// Confines dataset paths to the data folders an operator configured. A path is resolved the way the
/// kernel resolves it — component by component, following every symbolic link and applying ".." to the
/// folder a link led to — so neither "root/../../etc" nor a link inside a root that points elsewhere escapes.
/// </summary>
public static class DataRoots
{
    const int MaxLinks = 40; // the kernel's own limit (ELOOP)

    /// <summary>The error for <c>dataset.path</c> when it lies outside every root; null when inside one (or when there is no path).</summary>
    public static SpecError? Check(DatasetSpec dataset, IReadOnlyList<string> roots)
    {
        if (dataset.Path is null) return null;
        string? resolved = TryResolve(dataset.Path);
        if (resolved is not null && roots.Select(TryResolve).Any(root => root is not null && IsInside(resolved, root)))
            return null;
        return new SpecError("dataset.path",
            $"'{dataset.Path}' is outside the data folders this app reads from ({string.Join(", ", roots)}); " +
            "put the dataset in one of them, or add its folder to Studio:DataRoots in appsettings.json " +
            "(for the CLI: the BANSTUDIO_DATA environment variable)");
    }

    /// <summary>The absolute path with every symbolic link followed; null when links loop or nest too deeply.</summary>
    public static string? TryResolve(string path)
    {
        int links = 0;
        return Resolve(System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(Environment.CurrentDirectory, path), ref links);
    }

    static string? Resolve(string absolute, ref int links)
    {
        string current = System.IO.Path.GetPathRoot(absolute)!;
        foreach (string part in absolute[current.Length..].Split(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                current = System.IO.Path.GetDirectoryName(current) ?? current;
                continue;
            }
            string next = System.IO.Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks) return null;
                string targetPath = System.IO.Path.IsPathRooted(target) ? target : System.IO.Path.Combine(current, target);
                string? resolved = Resolve(targetPath, ref links);
                if (resolved is null) return null;
                next = resolved;
            }
            current = next;
        }
        return current;
    }

    static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith(System.IO.Path.DirectorySeparatorChar) ? root : root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
