using System.Security.Cryptography;
using System.Text;
using BanStudio.Training;

namespace BanStudio.Web.Cli;

/// <summary>Reads spec files with errors that name the file, and fingerprints specs for checkpoint matching.</summary>
public static class SpecFiles
{
    /// <summary>The web API's limit too: a spec is a few hundred bytes, and a mistaken file must not be read into memory.</summary>
    public const int MaxSpecBytes = 1 << 20;

    public static T Read<T>(FileInfo file, string what) where T : class
    {
        if (!file.Exists)
            throw new SpecValidationException([new SpecError("$", $"file {file.FullName} does not exist")]);
        if (file.Length > MaxSpecBytes)
            throw new SpecValidationException([new SpecError("$", $"file {file.FullName} is {file.Length:N0} bytes; a spec is at most {MaxSpecBytes:N0} bytes")]);
        return SpecJson.Parse<T>(File.ReadAllText(file.FullName), what);
    }

    /// <summary>
    /// Reads and validates a verb's spec file; on any problem prints every bad field (or the missing file)
    /// to <paramref name="error"/> and returns false, so the verb exits with its bad-spec code before touching anything.
    /// </summary>
    public static bool TryRead<T>(FileInfo file, string what, Func<T, IReadOnlyList<SpecError>> validate, TextWriter error,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? spec) where T : class
    {
        try
        {
            spec = Read<T>(file, what);
            SpecValidationException.ThrowIfAny(validate(spec));
            return true;
        }
        catch (SpecValidationException e)
        {
            error.WriteLine($"{file.FullName} is not a valid {what}:");
            foreach (var problem in e.Errors) error.WriteLine($"  {problem.Field}: {problem.Message}");
            spec = null;
            return false;
        }
    }

    /// <summary>
    /// A name safe to use as a folder name inside the runs folder: letters, digits, '-', '_' and '.', never "." or ".."
    /// (which would put the files in the runs folder itself or above it), and never the app's own "experiment-N"
    /// (<see cref="Infrastructure.StudioOptions.ExperimentFolder"/>), whose deletion removes that folder.
    /// </summary>
    public static string Slug(string name)
    {
        string slug = new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '-').ToArray());
        if (slug.Trim('.').Length == 0) return "unnamed" + slug.Replace('.', '-');
        return System.Text.RegularExpressions.Regex.IsMatch(slug, "^experiment-[0-9]+$") ? "run-" + slug : slug;
    }

    /// <summary>A short hash of the canonical JSON: a checkpoint made for another spec is never resumed.</summary>
    public static string Fingerprint<T>(T spec) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(SpecJson.Write(spec))))[..16];
}
