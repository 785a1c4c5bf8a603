using BanStudio.Training.Language;
using BanStudio.Training.Models;
using BanStudio.Web.Features.Experiments.Wizard.Editors;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>
/// A model family as the wizard offers it: its JSON "family" name, the spec record it edits, the editor
/// component for that record, and the spec a fresh choice starts from (given the experiment's teacher,
/// which a BAN-ResNet student matches).
/// </summary>
public sealed record ModelFamily(string Key, string DisplayName, Type SpecType, Type Editor, Func<ModelSpec?, ModelSpec> Create, string Description)
{
    /// <summary>The paper's presets of this family, in <see cref="ModelPresets.All"/>'s order.</summary>
    public IReadOnlyList<ModelPreset> Presets => ModelPresets.All.Where(p => p.Spec.GetType() == SpecType).ToList();

    /// <summary>A word-level language model (trained on a text corpus), not an image classifier.</summary>
    public bool IsLanguageModel => typeof(LanguageModelSpec).IsAssignableFrom(SpecType);
}

/// <summary>
/// Every family the wizard can edit. Adding a family (the language models, say) is one entry here and
/// one editor deriving from <see cref="ModelEditorBase{TSpec}"/>; a test checks this list against the
/// families the spec JSON knows, so a family cannot be added to one and forgotten in the other.
/// </summary>
public static class ModelFamilies
{
    public static IReadOnlyList<ModelFamily> All { get; } =
    [
        new("densenet", "DenseNet-BC", typeof(DenseNetSpec), typeof(DenseNetEditor),
            _ => new DenseNetSpec(22, 12), "Huang et al. 2017; the paper's main teachers and students"),
        new("wideresnet", "Wide-ResNet", typeof(WideResNetSpec), typeof(WideResNetEditor),
            _ => new WideResNetSpec(10, 1, DropRate: 0), "Zagoruyko & Komodakis 2016; Tables 1 and 3"),
        new("preresnet", "Pre-ResNet", typeof(PreResNetSpec), typeof(PreResNetEditor),
            _ => new PreResNetSpec(29), "pre-activation bottleneck ResNet; Table 5's baseline"),
        new("banresnet", "BAN-ResNet", typeof(BanResNetSpec), typeof(BanResNetEditor),
            teacher => new BanResNetSpec(teacher as DenseNetSpec ?? new DenseNetSpec(22, 12), ResidualBlock.Wide, 1, 1, DropRate: 0.3),
            "a ResNet matching a DenseNet's stages, sharing its frozen stem and classifier; Table 5"),
        new("lstm", "LSTM language model", typeof(LstmSpec), typeof(LstmEditor),
            _ => ModelPresets.CpuLstm, "Zaremba et al. 2014, tied softmax; Table 6's LSTM (PTB, perplexity)"),
        new("cnnlstm", "CNN-LSTM language model", typeof(CnnLstmSpec), typeof(CnnLstmEditor),
            _ => new CnnLstmSpec(100, 2, 0.2) { MaxWidth = 4, FiltersPerWidth = 25, HighwayLayers = 1, InitRange = 0.1 },
            "Kim et al. 2016, character convolutions and highway layers; Table 6's ConvLSTM"),
    ];

    /// <summary>The families that train on this kind of data: language models on text corpora, the rest on images.</summary>
    public static IReadOnlyList<ModelFamily> For(bool text) => All.Where(f => f.IsLanguageModel == text).ToList();

    /// <summary>The family a fresh teacher starts from when the data switches between images and text.</summary>
    public static ModelFamily DefaultFor(bool text) => For(text)[0];

    public static ModelFamily Of(ModelSpec spec) => All.FirstOrDefault(f => f.SpecType == spec.GetType())
        ?? throw new ArgumentException($"The wizard has no editor for {spec.GetType().Name}; add it to {nameof(ModelFamilies)}.{nameof(All)}.");

    public static ModelFamily Get(string key) => All.First(f => f.Key == key);
}
