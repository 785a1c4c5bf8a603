using System.Globalization;
using System.Text.Json.Serialization;
using BanStudio.Training.Data;
using BanStudio.Training.Models;
using static TorchSharp.torch;

namespace BanStudio.Training.Language;

/// <summary>
/// A word-level language model spec. Built like every <see cref="ModelSpec"/>, with the vocabulary size as the
/// data shape's class count (<see cref="ShapeFor"/>); the rest of the shape is ignored.
/// </summary>
public abstract record LanguageModelSpec : ModelSpec
{
    /// <summary>PTB's vocabulary, for parameter counts quoted without a corpus at hand.</summary>
    public const int PtbVocabulary = 10_000;

    /// <summary>Weights drawn uniformly from [-initRange, initRange] (Zaremba et al.: 0.1 small, 0.05 medium, 0.04 large).</summary>
    public double InitRange { get; init; } = 0.05;

    /// <summary>The paper's name for the configuration, shown instead of the generated one.</summary>
    public string? Name { get; init; }

    /// <summary>A "data shape" for a vocabulary of <paramref name="vocabulary"/> words.</summary>
    public static DataShape ShapeFor(int vocabulary) => new(1, 1, vocabulary);

    /// <summary>The parameters for PTB's 10,000-word vocabulary.</summary>
    public long CountParameters() => CountParameters(ShapeFor(PtbVocabulary));

    public LanguageModel BuildLanguageModel(int vocabulary, long? seed = null, Device? device = null) =>
        (LanguageModel)Build(ShapeFor(vocabulary), seed, device);

    protected IEnumerable<SpecError> CommonErrors(double dropout)
    {
        if (!(InitRange > 0 && InitRange <= 1))
            yield return new("initRange", $"initRange {Format(InitRange)} must be in (0, 1]; Zaremba et al. use 0.05 (medium) and 0.04 (large)");
        if (dropout is < 0 or >= 1)
            yield return new("dropout", $"dropout {Format(dropout)} must be in [0, 1); the paper's LSTM uses 0.65, the CNN-LSTM 0.5");
        if (Name is { } n && (n.Length == 0 || n.Length > 60)) yield return new("name", "give 1 to 60 characters, or remove name");
    }

    protected static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    protected sealed override BanModel Create(DataShape shape, Device? device) => CreateLanguageModel(shape.Classes, device);

    protected abstract LanguageModel CreateLanguageModel(int vocabulary, Device? device);
}

/// <summary>
/// Zaremba et al.'s LSTM language model (2014): word embedding, <see cref="Layers"/> LSTM layers of
/// <see cref="Units"/>, dropout on every non-recurrent connection (embedding output, between layers, before the
/// softmax), and, as the paper does after Press &amp; Wolf, the softmax weight tied to the embedding
/// (<see cref="TieWeights"/>; the embedding then has <see cref="Units"/> columns).
/// </summary>
public sealed record LstmSpec(int Units, int Layers = 1, double Dropout = 0.65, bool TieWeights = true) : LanguageModelSpec
{
    /// <summary>The embedding width when weights are not tied; null: <see cref="Units"/>.</summary>
    public int? EmbeddingSize { get; init; }

    [JsonIgnore] public int Embedding => EmbeddingSize ?? Units;

    [JsonIgnore] public override string DisplayName => Name ?? $"LSTM-{Layers}x{Units}{(TieWeights ? "" : "-untied")}";

    public override IReadOnlyList<SpecError> Validate()
    {
        var errors = new List<SpecError>(CommonErrors(Dropout));
        if (Units is < 1 or > 10_000) errors.Add(new("units", $"units {Units} must be between 1 and 10000; the paper uses 1500"));
        if (Layers is < 1 or > 8) errors.Add(new("layers", $"layers {Layers} must be between 1 and 8; the paper uses 1"));
        if (EmbeddingSize is { } e && (e < 1 || e > 10_000)) errors.Add(new("embeddingSize", $"embeddingSize {e} must be between 1 and 10000"));
        else if (TieWeights && EmbeddingSize is { } tied && tied != Units)
            errors.Add(new("embeddingSize", $"tied weights share the softmax with the embedding, so the embedding has units ({Units}) columns; remove embeddingSize or set tieWeights to false"));
        return errors;
    }

    protected override LanguageModel CreateLanguageModel(int vocabulary, Device? device) => new LstmLanguageModel(this, vocabulary, device);
}

/// <summary>
/// Kim et al.'s character-aware CNN-LSTM (2016): characters embedded in <see cref="CharEmbedding"/> dimensions,
/// convolutions of widths 1..<see cref="MaxWidth"/> with min(<see cref="MaxFilters"/>, <see cref="FiltersPerWidth"/> x w)
/// filters each, tanh and max-over-time, <see cref="HighwayLayers"/> highway layers, <see cref="Layers"/> LSTM
/// layers of <see cref="Units"/>, dropout between the LSTM layers and before the softmax. The defaults are
/// their large model (LSTM-Char-Large, 19M parameters), the paper's CNN-LSTM.
/// </summary>
public sealed record CnnLstmSpec(int Units = 650, int Layers = 2, double Dropout = 0.5) : LanguageModelSpec
{
    public int CharEmbedding { get; init; } = 15;
    public int MaxWidth { get; init; } = 7;
    public int FiltersPerWidth { get; init; } = 50;
    public int MaxFilters { get; init; } = 200;
    public int HighwayLayers { get; init; } = 2;
    /// <summary>Characters kept per word (longer words are cut); PTB's longest word has 19.</summary>
    public int MaxWordLength { get; init; } = 21;

    /// <summary>Filters of width w (1-based).</summary>
    public int Filters(int width) => Math.Min(MaxFilters, FiltersPerWidth * width);

    /// <summary>The width of the word vector the convolutions make (1100 for the large model).</summary>
    [JsonIgnore] public int WordFeatures => Enumerable.Range(1, MaxWidth).Sum(Filters);

    [JsonIgnore] public override string DisplayName => Name ?? $"CNN-LSTM-{Layers}x{Units}";

    public override IReadOnlyList<SpecError> Validate()
    {
        var errors = new List<SpecError>(CommonErrors(Dropout));
        if (Units is < 1 or > 10_000) errors.Add(new("units", $"units {Units} must be between 1 and 10000; Kim et al.'s large model uses 650"));
        if (Layers is < 1 or > 8) errors.Add(new("layers", $"layers {Layers} must be between 1 and 8; Kim et al. use 2"));
        if (CharEmbedding is < 1 or > 1000) errors.Add(new("charEmbedding", $"charEmbedding {CharEmbedding} must be between 1 and 1000; Kim et al. use 15"));
        if (MaxWidth is < 1 or > 20) errors.Add(new("maxWidth", $"maxWidth {MaxWidth} must be between 1 and 20; Kim et al. use 7 (widths 1..7)"));
        if (FiltersPerWidth is < 1 or > 1000) errors.Add(new("filtersPerWidth", $"filtersPerWidth {FiltersPerWidth} must be between 1 and 1000; Kim et al. use 50"));
        if (MaxFilters < 1) errors.Add(new("maxFilters", $"maxFilters {MaxFilters} must be at least 1; Kim et al. use 200"));
        if (HighwayLayers is < 0 or > 10) errors.Add(new("highwayLayers", $"highwayLayers {HighwayLayers} must be between 0 and 10; Kim et al. use 2"));
        if (MaxWordLength < 1 || MaxWordLength > 100) errors.Add(new("maxWordLength", $"maxWordLength {MaxWordLength} must be between 1 and 100"));
        else if (MaxWidth is >= 1 and <= 20 && CharacterTable.Width(MaxWordLength) < MaxWidth)
            errors.Add(new("maxWordLength", $"a word row of {CharacterTable.Width(MaxWordLength)} characters is narrower than the widest convolution ({MaxWidth}); raise maxWordLength"));
        return errors;
    }

    protected override LanguageModel CreateLanguageModel(int vocabulary, Device? device) => new CnnLstmLanguageModel(this, vocabulary, device);
}
