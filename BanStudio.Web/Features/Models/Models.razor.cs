using BanStudio.Training.Data;
using BanStudio.Training.Language;
using BanStudio.Training.Models;
using BanStudio.Web.Cli;

namespace BanStudio.Web.Features.Models;

/// <summary>The presets with the counts the CLI's <c>models</c> verb prints, and the papers' own figures.</summary>
public partial class Models
{
    public sealed record ModelRow(string Name, string Family, string Ten, string Hundred, string Paper, string Note);

    // Counting builds nothing heavy, but the presets never change: compute the rows once per process.
    static readonly Lazy<IReadOnlyList<ModelRow>> all = new(() => ModelPresets.All.Select(ToRow).ToList());

    IReadOnlyList<ModelRow> rows = [];

    protected override void OnInitialized() => rows = all.Value;

    // A language model's size depends on its vocabulary, not on image classes: counted once, for PTB's 10,000 words.
    static ModelRow ToRow(ModelPreset preset) => preset.Spec is LanguageModelSpec lm
        ? new(preset.Name, Family(preset.Spec), $"PTB: {ModelsVerb.Millions(lm.CountParameters())}", "—",
            string.Join("; ", preset.Paper.Select(p => $"{p.Millions}M ({p.Classes:N0}-word vocabulary, {p.Source})")), preset.Note)
        : new(
        preset.Name,
        Family(preset.Spec),
        ModelsVerb.Millions(preset.Spec.CountParameters(new DataShape(3, 32, 10))),
        ModelsVerb.Millions(preset.Spec.CountParameters(new DataShape(3, 32, 100))),
        string.Join("; ", preset.Paper.Select(p => $"{p.Millions}M ({p.Classes} classes, {p.Source})")),
        preset.Note);

    static string Family(ModelSpec spec) => spec switch
    {
        DenseNetSpec => "DenseNet",
        WideResNetSpec => "Wide-ResNet",
        PreResNetSpec => "Pre-activation ResNet",
        BanResNetSpec => "BAN-ResNet",
        LstmSpec => "LSTM language model",
        CnnLstmSpec => "CNN-LSTM language model",
        _ => spec.GetType().Name,
    };
}
