using System.Text.RegularExpressions;
using BanStudio.Training;
using BanStudio.Training.Experiments;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>A shipped experiment spec (wwwroot-assets/specs/FILE), with what its leading comment says it is.</summary>
public sealed record SpecTemplate(string File, string Description, ExperimentSpec Spec)
{
    /// <summary>The file name without ".json": what <c>/experiments/new?template=</c> takes.</summary>
    public string Id => File[..^".json".Length];

    /// <summary>The description's first sentence, at most 160 characters: a menu line.</summary>
    public string Summary
    {
        get
        {
            int end = Description.IndexOf(". ", StringComparison.Ordinal);
            string first = end < 0 ? Description.TrimEnd('.') : Description[..end];
            return first.Length <= 160 ? first : first[..157] + "…";
        }
    }
}

/// <summary>
/// The experiment specs shipped in wwwroot-assets/specs (the demo, the studies, the paper's rows), embedded in the
/// app so a published binary has them too: the wizard starts from any of them. The <c>train</c> verb's single-model
/// specs in that folder are not experiments and are left out.
/// </summary>
public static partial class SpecTemplates
{
    const string Prefix = "specs/";

    static readonly Lazy<IReadOnlyList<SpecTemplate>> all = new(Load);

    /// <summary>Every shipped experiment spec, by file name.</summary>
    public static IReadOnlyList<SpecTemplate> All => all.Value;

    public static SpecTemplate? Find(string id) => All.FirstOrDefault(t => string.Equals(t.Id, id, StringComparison.Ordinal));

    static IReadOnlyList<SpecTemplate> Load()
    {
        var assembly = typeof(SpecTemplates).Assembly;
        var templates = new List<SpecTemplate>();
        foreach (string resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            string json = reader.ReadToEnd();
            ExperimentSpec spec;
            try { spec = SpecJson.Parse<ExperimentSpec>(json, resource); }
            catch (SpecValidationException) { continue; } // a train verb's spec: a model, not an experiment
            templates.Add(new SpecTemplate(resource[Prefix.Length..], Describe(json), spec));
        }
        return templates;
    }

    /// <summary>The file's first comment, as one sentence or a few: "A two-minute CPU demo on the built-in dataset: …".</summary>
    static string Describe(string json)
    {
        var lines = new List<string>();
        foreach (string raw in json.Split('\n'))
        {
            string line = raw.Trim();
            if (line is "{" or "") { if (lines.Count > 0) break; continue; }
            if (!line.StartsWith("//", StringComparison.Ordinal)) break;
            lines.Add(line[2..].Trim());
        }
        return Spaces().Replace(string.Join(' ', lines), " ");
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
