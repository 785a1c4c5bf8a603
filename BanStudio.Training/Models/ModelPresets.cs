using BanStudio.Training.Language;

namespace BanStudio.Training.Models;

/// <summary>A parameter count a paper reports for a network: millions, for how many classes, and where.</summary>
public sealed record PaperCount(double Millions, int Classes, string Source);

/// <summary>A named network ready to train; its name is the spec's display name, so the two cannot drift.</summary>
public sealed record ModelPreset(ModelSpec Spec, IReadOnlyList<PaperCount> Paper, string Note)
{
    public string Name => Spec.DisplayName;
}

/// <summary>
/// The networks of the paper's tables under the interpretation docs/models.md argues for, the
/// usual CIFAR references, and tiny networks that train an epoch on a laptop CPU in seconds.
/// </summary>
public static class ModelPresets
{
    /// <summary>
    /// The paper's main teacher: 14 bottleneck units per block (Table 5's "14 blocks per stage"),
    /// growth 60, compression 0.5 after every block including the last. Its stages hand on 480,
    /// 660 and 750 channels; this reproduces Table 1's 16.1M (16.17M for CIFAR-10).
    /// </summary>
    public static DenseNetSpec DenseNet90_60 { get; } = new(90, 60)
    {
        UnitsPerBlock = [14, 14, 14], CompressFinalBlock = true, Name = "DenseNet-90-60",
    };

    /// <summary>Section 4.2's LSTM: one layer of 1500 units (Zaremba et al.'s large width), tied weights, 65% dropout.</summary>
    public static LstmSpec PaperLstm { get; } = new(1500, 1, 0.65) { InitRange = 0.04 };

    /// <summary>Section 4.2's CNN-LSTM: Kim et al.'s large character-aware model (19M parameters).</summary>
    public static CnnLstmSpec PaperCnnLstm { get; } = new();

    /// <summary>The small LSTM of the CPU study and of the benchmark: 2 layers of 200 units (Zaremba's small size), tied, 20% dropout.</summary>
    public static LstmSpec CpuLstm { get; } = new(200, 2, 0.2) { InitRange = 0.1 };

    public static IReadOnlyList<ModelPreset> All { get; } =
    [
        // Table 1 (CIFAR-10 counts) and Table 3: the reference Wide-ResNets, dropout 0.3.
        new(new WideResNetSpec(28, 1), [new(0.38, 10, "Table 1")], "Wide-ResNet teacher/student"),
        new(new WideResNetSpec(28, 2), [new(1.48, 10, "Table 1")], "Wide-ResNet teacher/student"),
        new(new WideResNetSpec(28, 5), [new(9.16, 10, "Table 1")], "Wide-ResNet teacher/student"),
        new(new WideResNetSpec(28, 10), [new(36, 10, "Table 1"), new(36.5, 10, "Zagoruyko & Komodakis 2016")], "Wide-ResNet teacher/student"),
        new(new WideResNetSpec(16, 4), [new(2.7, 10, "Zagoruyko & Komodakis 2016")], "a small Wide-ResNet"),

        // Tables 1 and 2: the DenseNet teachers and BAN students.
        new(new DenseNetSpec(112, 33) { UnitsPerBlock = [17, 17, 17], Name = "DenseNet-112-33" },
            [new(6.3, 10, "Table 1"), new(6.5, 100, "Table 2 text")],
            "17 units per block (the DenseNet-BC-106-33 of Dutt et al. whose block the paper says it uses)"),
        new(DenseNet90_60, [new(16.1, 10, "Table 1"), new(22.4, 100, "Table 4, likely a copy of 80-80's")],
            "14 units per block, compression 0.5 also after the last block"),
        new(new DenseNetSpec(80, 80) { UnitsPerBlock = [12, 12, 12], CompressFinalBlock = true, Name = "DenseNet-80-80" },
            [new(22.4, 10, "Table 1")], "12 units per block, compression 0.5 also after the last block"),
        new(new DenseNetSpec(80, 120) { UnitsPerBlock = [12, 12, 12], CompressFinalBlock = true, Name = "DenseNet-80-120" },
            [new(50.4, 10, "Table 1")], "12 units per block, compression 0.5 also after the last block"),

        // Table 4: DenseNet-90-60's students with its hidden-state sizes (120-channel stem, 480/660/750
        // after the transitions). Depth variants scale units by m and growth by 1/m.
        new(DepthVariant(7, 120, "DenseNet-7-1-2"), [new(21.2, 100, "Table 4, 0.5*Depth")], "0.5x depth, 2x growth (the paper's name)"),
        new(DepthVariant(28, 30, "DenseNet-28-1-0.5"), [new(13.7, 100, "Table 4, 2*Depth")], "2x depth, 0.5x growth"),
        new(DepthVariant(42, 20, "DenseNet-42-1-0.33"), [new(12.9, 100, "Table 4, 3*Depth")], "3x depth, 1/3 growth"),
        new(DepthVariant(56, 15, "DenseNet-56-1-0.25"), [new(12.6, 100, "Table 4, 4*Depth")], "4x depth, 0.25x growth"),
        // Compression variants: the reduction factor (2 for the teacher) times r, so theta = 0.5 / r,
        // with per-block growth chosen to land on the teacher's 480/660/750 after each transition.
        new(CompressionVariant([26, 13, 6], 1.0, "DenseNet-14-0.5-1"), [new(5.1, 100, "Table 4, 0.5*Compr")], "0.5x compression (the paper's name)"),
        new(CompressionVariant([43, 36, 33], 2.0 / 3, "DenseNet-14-0.75-1"), [new(10.1, 100, "Table 4, 0.75*Compr")], "0.75x compression"),
        new(CompressionVariant([94, 107, 114], 1.0 / 3, "DenseNet-14-1.5-1"), [new(80.5, 100, "Table 4, 1.5*Compr")], "1.5x compression"),

        // Table 5: DenseNet-90-60 born again as ResNets, sharing its frozen stem and classifier.
        new(new PreResNetSpec(1001), [new(10.2, 100, "Table 5")], "the classical ResNet baseline"),
        new(BanResNet(ResidualBlock.Bottleneck, 14, 0.5, "BAN-Pre-ResNet-14-0.5"), [new(7.3, 100, "Table 5")], "stages 240/330/375 wide"),
        new(BanResNet(ResidualBlock.Bottleneck, 14, 1, "BAN-Pre-ResNet-14-1"), [new(17.7, 100, "Table 5")], "stages 480/660/750 wide"),
        new(BanResNet(ResidualBlock.Wide, 1, 1, "BAN-Wide-ResNet-1-1"), [new(20.9, 100, "Table 5")], "stages 480/660/750 wide"),
        new(BanResNet(ResidualBlock.Wide, 2, 1, "BAN-Match-Wide-ResNet-2-1"), [new(43.1, 100, "Table 5")], "stages 480/660/750 wide"),
        new(BanResNet(ResidualBlock.Wide, 4, 0.5, "BAN-Wide-ResNet-4-0.5"), [new(24.3, 100, "Table 5")], "stages 240/330/375 wide"),
        new(BanResNet(ResidualBlock.Wide, 4, 1, "BAN-Wide-ResNet-4-1"), [new(87.3, 100, "Table 5")], "stages 480/660/750 wide"),

        // The usual CIFAR DenseNet-BC references (Huang et al. 2017).
        new(new DenseNetSpec(40, 12), [], "a small standard DenseNet-BC"),
        new(new DenseNetSpec(100, 12), [new(0.8, 10, "Huang et al. 2017")], "the standard DenseNet-BC"),

        // Tiny networks for a first experiment on a CPU.
        new(TinyDenseNet, [], "tiny CPU teacher"),
        new(new WideResNetSpec(10, 1), [], "tiny CPU Wide-ResNet"),
        new(new BanResNetSpec(TinyDenseNet, ResidualBlock.Wide, 1, 1, DropRate: 0.3), [], "tiny cross-architecture student of the tiny DenseNet"),

        // Table 6: the PTB language models (counts for PTB's 10,000 words; see docs/language-models.md).
        new(PaperLstm, [new(52, LanguageModelSpec.PtbVocabulary, "Table 6")],
            "the paper's text: 1 layer of 1500 units, tied weights, 65% dropout (33.0M; Table 6's 52M fits LSTM-2x1500)"),
        new(new LstmSpec(1500, 2, 0.65) { InitRange = 0.04 }, [new(52, LanguageModelSpec.PtbVocabulary, "Table 6")],
            "Zaremba's large LSTM with tied weights: the count that matches Table 6"),
        new(PaperCnnLstm, [new(19, LanguageModelSpec.PtbVocabulary, "Table 6"), new(19, LanguageModelSpec.PtbVocabulary, "Kim et al. 2016, large")],
            "Kim et al.'s LSTM-Char-Large: widths 1-7, min(200, 50w) filters, 2 highway layers, 2x650 LSTM"),
        new(new CnnLstmSpec(300, 2, 0.5) { MaxWidth = 6, FiltersPerWidth = 25, MaxFilters = 150, HighwayLayers = 1 },
            [new(5, LanguageModelSpec.PtbVocabulary, "Kim et al. 2016, small")], "Kim et al.'s LSTM-Char-Small: widths 1-6, 25w filters, 1 highway layer"),
        // Small language models for a CPU: the PTB study and the benchmark (batch 32 x 35 steps).
        new(CpuLstm, [], "small CPU LSTM (2x200, tied, 20% dropout): the PTB study's and the benchmark's model"),
        new(new CnnLstmSpec(100, 2, 0.2) { MaxWidth = 4, FiltersPerWidth = 25, HighwayLayers = 1, InitRange = 0.1 }, [], "small CPU CNN-LSTM"),
    ];

    /// <summary>The spec of the preset called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static ModelSpec? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Spec;

    /// <summary>The spec of the preset called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No preset has that name; the message lists those that do.</exception>
    public static ModelSpec Get(string name) => Find(name)
        ?? throw new KeyNotFoundException($"No model preset is called \"{name}\". Presets: {string.Join(", ", All.Select(p => p.Name))}.");

    private static DenseNetSpec TinyDenseNet => new(22, 12);

    private static DenseNetSpec DepthVariant(int units, int growth, string name) =>
        new(6 * units + 4, growth) { StemChannels = 120, CompressFinalBlock = true, Name = name };

    private static DenseNetSpec CompressionVariant(int[] growthPerBlock, double compression, string name) =>
        new(90, 60)
        {
            UnitsPerBlock = [14, 14, 14], GrowthPerBlock = growthPerBlock, TransitionCompression = [compression, compression, compression],
            StemChannels = 120, CompressFinalBlock = true, Name = name,
        };

    private static BanResNetSpec BanResNet(ResidualBlock block, int units, double ratio, string name) =>
        new(DenseNet90_60, block, units, ratio, DropRate: block == ResidualBlock.Wide ? 0.3 : 0) { Name = name };
}
