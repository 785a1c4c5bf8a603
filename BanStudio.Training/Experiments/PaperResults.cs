using BanStudio.Training.Data;
using BanStudio.Training.Models;

namespace BanStudio.Training.Experiments;

/// <summary>One number the paper reports, and the table it comes from ("Table 2").</summary>
public sealed record PaperNumber(double Value, string Table);

/// <summary>
/// The paper's numbers for one configuration, by our column names (Teacher, BAN, BAN-1, Ens*2, ...), in the unit of
/// <see cref="MetricKey"/>. The paper trains CIFAR models for <see cref="Epochs"/> epochs and reports the final one.
/// </summary>
/// <remarks>
/// For Table 6, <see cref="Numbers"/> are test perplexities and <see cref="Valid"/> the validation ones; image tables
/// have no validation column (null).
/// </remarks>
public sealed record PaperRow(string Network, string MetricKey, int Epochs, IReadOnlyDictionary<string, PaperNumber> Numbers,
    IReadOnlyDictionary<string, PaperNumber>? Valid = null);

/// <summary>
/// What Furlanello et al. (2018) report, copied from its Tables 1-6 (shared/born-again-networks.txt), and the rule
/// for when one of our configurations is the paper's: the same dataset, whole (no train or test limit), the same
/// teacher and student architectures (compared as specs, not by name), temperature 1, and for the generation
/// columns the paper's generation objective (BAN for its CNNs). Language models (Table 6) are rows like the others,
/// with their metric key (perplexity), their epochs and "ban+l" as the generation objective; the rule is the same.
/// </summary>
public static class PaperResults
{
    /// <summary>Test error in percent, the unit of every image table.</summary>
    public const string TestErrorPercent = "test-error-pct";

    /// <summary>Word-level perplexity on PTB (Table 6), lower is better.</summary>
    public const string PerplexityKey = "perplexity";

    /// <summary>The PTB schedule of issue 4 (Zaremba et al. and Kim et al. train about 40 epochs; the paper does not say).</summary>
    public const int PtbEpochs = 40;

    /// <summary>The paper's CIFAR schedule: 200 epochs (section 4.1, Wide-ResNet's recipe).</summary>
    public const int CifarEpochs = 200;

    sealed record Entry(string Dataset, string Teacher, string? Student, string Table, IReadOnlyDictionary<string, double> Columns)
    {
        public string MetricKey { get; init; } = TestErrorPercent;
        public int Epochs { get; init; } = CifarEpochs;
        /// <summary>The objective the paper's generation sequence (BAN-k, Ens*k) was trained with.</summary>
        public string GenerationObjective { get; init; } = "ban";
        /// <summary>Validation figures by column (Table 6's Val columns); null for the image tables.</summary>
        public IReadOnlyDictionary<string, double>? ValidColumns { get; init; }
    }

    // "Ens*3+T": an ensemble that counts the teacher as a member (Table 2's 80-120 row says its Ens*3 does).
    const string WithTeacher = "+T";

    static readonly string[] table2Columns = ["Teacher", "BAN", "BAN+L", "CWTM", "DKPP", "BAN-1", "BAN-2", "BAN-3", "Ens*2", "Ens*3"];

    static readonly Entry[] entries =
    [
        .. Table1("WRN-28-1", 6.69, 6.64),
        .. Table1("WRN-28-2", 5.06, 4.86),
        .. Table1("WRN-28-5", 4.13, 4.03),
        .. Table1("WRN-28-10", 3.77, 3.86),
        .. Table1("DenseNet-112-33", 3.84, 3.61),
        .. Table1("DenseNet-90-60", 3.81, 3.5),
        .. Table1("DenseNet-80-80", 3.48, 3.49),
        .. Table1("DenseNet-80-120", 3.37, 3.54),

        Table2("DenseNet-112-33", 18.25, 16.95, 17.68, 17.84, 17.84, 17.61, 17.22, 16.59, 15.77, 15.68),
        Table2("DenseNet-90-60", 17.69, 16.69, 16.93, 17.42, 17.43, 16.62, 16.44, 16.72, 15.39, 15.74),
        Table2("DenseNet-80-80", 17.16, 16.36, 16.5, 17.16, 16.84, 16.26, 16.30, 15.5, 15.46, 15.14),
        // No BAN-3 was trained for 80-120 ("/"), and its Ens*3 includes the teacher.
        new(DatasetKinds.Cifar100, "DenseNet-80-120", null, "Table 2", new Dictionary<string, double>
        {
            ["Teacher"] = 16.87, ["BAN"] = 16.00, ["BAN+L"] = 16.41, ["CWTM"] = 17.12, ["DKPP"] = 16.34,
            ["BAN-1"] = 16.13, ["BAN-2"] = 16.13, ["Ens*2"] = 15.13, ["Ens*3" + WithTeacher] = 14.9,
        }),

        // Table 3: Wide-ResNet students of identical teachers, and DenseNet-90-60 students of Wide-ResNet teachers.
        .. Table3("WRN-28-1", 30.05, 29.43, 24.93),
        .. Table3("WRN-28-2", 25.32, 24.38, 18.49),
        .. Table3("WRN-28-5", 20.88, 20.93, 17.52),
        .. Table3("WRN-28-10", 19.08, 18.25, 16.79),

        // Table 4: DenseNet-90-60's students that keep its hidden-state sizes but change depth or compression.
        Table4("DenseNet-7-1-2", 16.95),
        Table4("DenseNet-28-1-0.5", 16.43),
        Table4("DenseNet-42-1-0.33", 16.64),
        Table4("DenseNet-56-1-0.25", 16.64),
        Table4("DenseNet-14-0.5-1", 19.83),
        Table4("DenseNet-14-0.75-1", 17.3),
        Table4("DenseNet-14-1.5-1", 18.89),

        // Table 5: DenseNet-90-60 born again as ResNets: "Baseline" is the student trained from labels (our Baseline
        // treatment), "BAN" its born-again twin. The classical Pre-ResNet-1001 has a baseline only. The teacher's own
        // error is Table 2's.
        Table5("Pre-ResNet-1001", 22.71, null),
        Table5("BAN-Pre-ResNet-14-0.5", 20.28, 18.8),
        Table5("BAN-Pre-ResNet-14-1", 18.84, 17.39),
        Table5("BAN-Wide-ResNet-1-1", 20.4, 19.12),
        Table5("BAN-Match-Wide-ResNet-2-1", 18.83, 17.42),
        Table5("BAN-Wide-ResNet-4-0.5", 19.63, 17.13),
        Table5("BAN-Wide-ResNet-4-1", 18.77, 17.18),

        // Table 6: validation / test perplexity on PTB, teacher and its BAN+L student. The LSTM row's 52M parameters
        // fit a tied 2-layer LSTM-1500, its text a 1-layer one (docs/language-models.md): both readings match it.
        Table6("CNN-LSTM-2x650", 83.69, 80.27, 80.05, 76.97),
        Table6("LSTM-1x1500", 75.11, 71.19, 71.87, 68.56),
        Table6("LSTM-2x1500", 75.11, 71.19, 71.87, 68.56),
    ];

    // The paper trains one BAN+L student per teacher; a BAN-1 learning by BAN+L is that same model with another seed.
    static Entry Table6(string network, double teacherVal, double banLVal, double teacherTest, double banLTest) =>
        new(Language.TextDatasets.Ptb, network, null, "Table 6",
            new Dictionary<string, double> { ["Teacher"] = teacherTest, ["BAN+L"] = banLTest, ["BAN-1"] = banLTest })
        {
            MetricKey = PerplexityKey, Epochs = PtbEpochs, GenerationObjective = "ban+l",
            ValidColumns = new Dictionary<string, double> { ["Teacher"] = teacherVal, ["BAN+L"] = banLVal, ["BAN-1"] = banLVal },
        };

    // Tables 1, 3, 4 and 5 have one student column: a BAN student of the teacher, which is our BAN and our BAN-1
    // (both learn from the teacher with the BAN loss and differ only in seed).
    static Entry[] Table1(string network, double teacher, double ban) =>
        [new(DatasetKinds.Cifar10, network, null, "Table 1", new Dictionary<string, double> { ["Teacher"] = teacher, ["BAN"] = ban, ["BAN-1"] = ban })];

    static Entry Table2(string network, params double[] values) =>
        new(DatasetKinds.Cifar100, network, null, "Table 2", table2Columns.Zip(values).ToDictionary(p => p.First, p => p.Second));

    static Entry[] Table3(string network, double teacher, double ban, double denseNetStudent) =>
    [
        new(DatasetKinds.Cifar100, network, null, "Table 3", new Dictionary<string, double> { ["Teacher"] = teacher, ["BAN"] = ban, ["BAN-1"] = ban }),
        new(DatasetKinds.Cifar100, network, "DenseNet-90-60", "Table 3",
            new Dictionary<string, double> { ["Teacher"] = teacher, ["BAN"] = denseNetStudent, ["BAN-1"] = denseNetStudent }),
    ];

    static Entry Table4(string student, double ban) => new(DatasetKinds.Cifar100, "DenseNet-90-60", student, "Table 4",
        new Dictionary<string, double> { ["Teacher"] = 17.69, ["BAN"] = ban, ["BAN-1"] = ban });

    static Entry Table5(string student, double baseline, double? ban) => new(DatasetKinds.Cifar100, "DenseNet-90-60", student, "Table 5",
        ban is { } b
            ? new Dictionary<string, double> { [ExperimentPlan.BaselineColumn] = baseline, ["BAN"] = b, ["BAN-1"] = b }
            : new Dictionary<string, double> { [ExperimentPlan.BaselineColumn] = baseline });

    /// <summary>The paper's row for this configuration, or null when the paper has none (another dataset, a subset, another network).</summary>
    public static PaperRow? Find(ExperimentSpec spec)
    {
        var data = spec.Dataset;
        if (data.TrainLimit is not null || data.TestLimit is not null) return null;
        foreach (var entry in entries)
        {
            if (entry.Dataset != data.Kind || !SameArchitecture(spec.Teacher, entry.Teacher)) continue;
            bool studentMatches = entry.Student is null
                ? !spec.IsCrossArchitecture
                : spec.IsCrossArchitecture && SameArchitecture(spec.StudentModel, entry.Student);
            if (!studentMatches) continue;

            var numbers = Ours(entry.Columns, spec, entry);
            var valid = entry.ValidColumns is { } v ? Ours(v, spec, entry) : null;
            // Table 5 quotes its teacher from Table 2.
            if (entry.Table == "Table 5" && !numbers.ContainsKey(ExperimentPlan.TeacherColumn)) numbers[ExperimentPlan.TeacherColumn] = new(17.69, "Table 2");
            string network = entry.Student is null ? entry.Teacher : $"{entry.Teacher} -> {entry.Student}";
            return new PaperRow(network, entry.MetricKey, entry.Epochs, numbers, valid);
        }
        return null;
    }

    static Dictionary<string, PaperNumber> Ours(IReadOnlyDictionary<string, double> columns, ExperimentSpec spec, Entry entry)
    {
        var numbers = new Dictionary<string, PaperNumber>();
        foreach (var (column, value) in columns)
            if (OurColumn(column, spec, entry.GenerationObjective) is { } ours) numbers[ours] = new(value, entry.Table);
        return numbers;
    }

    /// <summary>Our column for a paper column, or null when our run of that column is not what the paper trained.</summary>
    static string? OurColumn(string paperColumn, ExperimentSpec spec, string generationObjective)
    {
        bool sameSequence = string.Equals(spec.EffectiveGenerationObjective, generationObjective, StringComparison.OrdinalIgnoreCase);
        // Trained from labels: no temperature, no generation objective.
        if (paperColumn is ExperimentPlan.TeacherColumn or ExperimentPlan.BaselineColumn) return paperColumn;
        // Every student column distils at temperature 1 in the paper.
        if (spec.Temperature != 1) return null;
        if (paperColumn.StartsWith("Ens*", StringComparison.Ordinal))
        {
            bool withTeacher = paperColumn.EndsWith(WithTeacher, StringComparison.Ordinal);
            if (withTeacher != spec.EnsembleIncludesTeacher || !sameSequence) return null;
            return withTeacher ? paperColumn[..^WithTeacher.Length] : paperColumn;
        }
        if (paperColumn.StartsWith("BAN-", StringComparison.Ordinal))
            return sameSequence ? paperColumn : null;
        return paperColumn; // BAN, BAN+L, CWTM, DKPP: fixed objectives
    }

    /// <summary>
    /// Whether <paramref name="spec"/> is the preset called <paramref name="presetName"/> as a network: compared as
    /// JSON without "name" fields, so an unnamed DenseNet with the 90-60 layout matches, and a network merely
    /// named "DenseNet-90-60" does not.
    /// </summary>
    static bool SameArchitecture(ModelSpec spec, string presetName) =>
        ModelPresets.Find(presetName) is { } preset && spec.SameArchitecture(preset);
}
