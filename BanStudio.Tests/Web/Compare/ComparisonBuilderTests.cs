using BanStudio.Tests.Web.Pages;
using BanStudio.Training.Experiments;
using BanStudio.Web.Features.Compare;

namespace BanStudio.Tests.Web.Compare;

/// <summary>The comparison model over a real SQLite store holding <see cref="ComparisonData"/>.</summary>
public sealed class ComparisonBuilderTests : IAsyncDisposable
{
    readonly PageContext _context = new();

    public ComparisonBuilderTests()
    {
        using var db = _context.NewDb();
        ComparisonData.Seed(db);
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    async Task<Comparison> LoadAsync(params int[] ids)
    {
        await using var db = _context.NewDb();
        var (comparison, missing) = await ComparisonBuilder.LoadAsync(db, ids, CancellationToken.None);
        Assert.Empty(missing);
        return comparison;
    }

    [Fact]
    public async Task Experiments_differing_only_by_seed_share_a_row_and_another_learning_rate_makes_another()
    {
        var comparison = await LoadAsync(4, 3, 2, 1);

        Assert.Equal(3, comparison.Rows.Count);
        Assert.Equal([1, 2], comparison.Rows[0].ExperimentIds);
        Assert.Equal([1L, 2, 3], comparison.Rows[0].Seeds);
        Assert.Equal([3], comparison.Rows[1].ExperimentIds);
        Assert.Equal([4], comparison.Rows[2].ExperimentIds);
        Assert.Contains("lr 0.01", comparison.Rows[2].Schedule);
        Assert.Contains("lr 0.05", comparison.Rows[0].Schedule);
        // Table 2's order, only the columns some row has.
        Assert.Equal(["Teacher", "BAN", "BAN+L", "BAN-1", "BAN-2", "Ens*2"], comparison.Columns);
    }

    [Fact]
    public void Rows_that_would_read_alike_say_which_spec_fields_tell_them_apart()
    {
        var plain = ComparisonData.WrnSpec("a", [1]);
        var bigger = plain with { Name = "b", Dataset = plain.Dataset with { TrainSize = 600 } };
        var dropout = plain with { Name = "c", Teacher = new BanStudio.Training.Models.WideResNetSpec(10, 1, DropRate: 0.3) };
        var otherLr = ComparisonData.WrnSpec("d", [1], lr: 0.01);
        var rows = ComparisonBuilder.Build([.. new[] { plain, bigger, dropout, otherLr }.Select((spec, i) =>
            new ComparedExperiment(i + 1, spec.Name, BanStudio.Training.SpecJson.Write(spec), []))]).Rows;

        Assert.Equal(4, rows.Count);
        Assert.Equal(4, rows.Select(r => (r.Label, r.Schedule)).Distinct().Count());
        Assert.EndsWith("; dataset.trainSize 300, teacher.dropRate 0", rows[0].Schedule);
        Assert.EndsWith("; dataset.trainSize 600, teacher.dropRate 0", rows[1].Schedule);
        Assert.EndsWith("; dataset.trainSize 300, teacher.dropRate 0.3", rows[2].Schedule);
        // Its learning rate already shows in its schedule text: nothing appended.
        Assert.DoesNotContain(";", rows[3].Schedule);
    }

    [Fact]
    public void A_test_batch_size_makes_another_configuration_since_it_changes_the_test_figures()
    {
        var spec = ComparisonData.WrnSpec("a", [1]);
        var oneStream = spec with { Schedule = spec.Schedule with { TestBatchSize = 1 } };
        Assert.NotEqual(ComparisonBuilder.ConfigurationKey(spec), ComparisonBuilder.ConfigurationKey(oneStream));
        Assert.Equal(ComparisonBuilder.ConfigurationKey(oneStream), ComparisonBuilder.ConfigurationKey(oneStream with { Name = "b", Seeds = [2] }));
    }

    [Fact]
    public void A_shared_start_is_the_same_configuration_as_the_two_spec_way_to_the_same_baseline()
    {
        var ban = ComparisonData.WrnSpec("ban", [1]) with { Generations = 1, Treatments = [] };
        var baselineAlone = ban with { Name = "baseline", Generations = 0, Treatments = [Treatment.Baseline] };
        var shared = ban with { Name = "table5", Treatments = [Treatment.Baseline], SharedStart = true };
        Assert.Equal(ComparisonBuilder.ConfigurationKey(ban), ComparisonBuilder.ConfigurationKey(shared));
        Assert.Equal(ComparisonBuilder.ConfigurationKey(baselineAlone), ComparisonBuilder.ConfigurationKey(shared));
        // What does change a model still makes another row.
        Assert.NotEqual(ComparisonBuilder.ConfigurationKey(shared), ComparisonBuilder.ConfigurationKey(shared with { Temperature = 2 }));
    }

    [Fact]
    public async Task Each_cell_summarises_its_finished_seeds_and_tests_them_against_the_teacher()
    {
        var row = (await LoadAsync(1, 2)).Rows.Single();

        var teacher = row.Cell("Teacher")!.Final!;
        Assert.Equal((31, 1, 3), (teacher.Mean, teacher.Std!.Value, teacher.N), new Tolerance());
        Assert.Null(teacher.PValue);
        Assert.Null(teacher.NoPValueReason);

        var ban1 = row.Cell("BAN-1")!;
        Assert.Equal(28, ban1.Final!.Mean, 9);
        Assert.Equal(3, ban1.Final.ImprovementOverTeacher!.Value, 9);
        Assert.Equal(0.021311641128756727, ban1.Final.PValue!.Value, 9); // SciPy: ttest_ind([30,32,31], [27,28,29], equal_var=False)
        Assert.Equal(4, ban1.Final.DegreesOfFreedom!.Value, 9);
        Assert.Equal(26, ban1.Best!.Mean, 9);
        Assert.Equal(0.00804989310083772, ban1.Best.PValue!.Value, 9); // ttest_ind([29,30,31], [26,27,25])
        // Paired with the teacher of its own experiment and seed (seed 3's across experiment 2): differences 3, 4, 2,
        // t = 3 / (1 / √3), df 2, p = 1 − t / √(t² + 2).
        Assert.Equal((3, 3.0), (ban1.Final.Pairs, ban1.Final.PairedImprovement!.Value));
        Assert.Equal(Math.Sqrt(27), ban1.Final.PairedT!.Value, 9);
        Assert.Equal(1 - Math.Sqrt(27) / Math.Sqrt(29), ban1.Final.PairedPValue!.Value, 12);
        Assert.Equal(1 - 4 / Math.Sqrt(18), ban1.Best.PairedPValue!.Value, 12); // differences 3, 3, 6: t = 4

        // Seed 3's BAN-2 is still training: counted as unfinished, kept out of the numbers.
        var ban2 = row.Cell("BAN-2")!;
        Assert.Equal((27, Math.Sqrt(2), 2), (ban2.Final!.Mean, ban2.Final.Std!.Value, ban2.Final.N), new Tolerance());
        Assert.Equal(1, ban2.Unfinished);
        Assert.Equal(0.0941481776254345, ban2.Final.PValue!.Value, 9);
        // Seeds 1 and 2 are both exactly 4 below their teachers: no paired t.
        Assert.Equal((2, null), (ban2.Final.Pairs, ban2.Final.PairedPValue));
        Assert.Contains("exactly the same amount", ban2.Final.NoPairedReason);

        // One finished BAN+L (the other failed): no p-value, and the reason says why.
        var banL = row.Cell("BAN+L")!;
        Assert.Equal(1, banL.Failed);
        Assert.Equal(1, banL.Final!.N);
        Assert.Null(banL.Final.Std);
        Assert.Null(banL.Final.PValue);
        Assert.Contains("n=3 vs n=1", banL.Final.NoPValueReason);

        // An ensemble has a final error only.
        var ensemble = row.Cell("Ens*2")!;
        Assert.Equal(25.5, ensemble.Final!.Mean, 9);
        Assert.Null(ensemble.Best);
    }

    [Fact]
    public async Task By_test_loss_each_cell_summarises_final_losses_and_the_row_best_is_the_lowest_loss()
    {
        await using var db = _context.NewDb();
        var (comparison, _) = await ComparisonBuilder.LoadAsync(db, [1, 2, 3], CancellationToken.None, imageMetric: ComparisonMetric.TestLoss);
        Assert.Equal("test_loss", comparison.Metric);
        var row = comparison.Rows[0];
        Assert.Equal(("test_loss", "test loss (nats)", "nats"), (row.Metric, row.MetricLabel, row.Unit));

        var teacher = row.Cell("Teacher")!.Final!;
        Assert.Equal((1.10, 0.10, 3), (teacher.Mean, teacher.Std!.Value, teacher.N), new Tolerance());
        var ban1 = row.Cell("BAN-1")!.Final!;
        Assert.Equal(1.05, ban1.Mean, 9);
        Assert.Equal(0.05, ban1.ImprovementOverTeacher!.Value, 9);
        // Paired differences 0.10, −0.05, 0.10: mean 0.05, sd √0.0075, so t = 0.05 / (√0.0075 / √3) = 1, df 2.
        Assert.Equal(1, ban1.PairedT!.Value, 9);
        Assert.Equal(1 - 1 / Math.Sqrt(3), ban1.PairedPValue!.Value, 12);
        Assert.Equal(0.58, row.Cell("BAN")!.Final!.Mean, 9);

        // By error the ensemble is the row's best (25.5 %); by loss (1.45 nats) it is not: BAN-2's 0.54 is.
        Assert.Equal(0.54, row.Cell("BAN-2")!.Final!.Mean, 9);
        Assert.True(row.Cell("BAN-2")!.Final!.BestInRow);
        Assert.False(row.Cell("Ens*2")!.Final!.BestInRow);
        Assert.True((await LoadAsync(1, 2)).Rows[0].Cell("Ens*2")!.Final!.BestInRow);

        // A run keeps its best epoch by error, so there is no best-epoch loss; the paper's numbers are errors, so none stand beside losses.
        Assert.All(comparison.Rows.SelectMany(r => r.Cells), c => Assert.Null(c.Best));
        Assert.NotNull((await LoadAsync(3)).Rows[0].Paper);
        Assert.Null(comparison.Rows[1].Paper);
        Assert.All(comparison.Rows[1].Cells, c => Assert.Null(c.Paper));
    }

    [Fact]
    public void The_metric_parameter_names_its_choices_and_a_language_row_keeps_perplexity()
    {
        Assert.True(ComparisonMetric.TryParse(null, out var metric, out _));
        Assert.Same(ComparisonMetric.TestError, metric);
        Assert.True(ComparisonMetric.TryParse(" Test_Loss ", out metric, out _));
        Assert.Same(ComparisonMetric.TestLoss, metric);
        Assert.True(ComparisonMetric.TryParse("test_error", out metric, out _));
        Assert.Same(ComparisonMetric.TestError, metric);
        Assert.False(ComparisonMetric.TryParse("perplexity", out _, out string? error));
        Assert.Contains("choose test_error_pct (the default) or test_loss", error);

        var text = ComparisonData.WrnSpec("ptb", [1]) with { Dataset = new BanStudio.Training.Data.DatasetSpec(BanStudio.Training.Language.TextDatasets.Ptb) };
        Assert.Same(ComparisonMetric.Perplexity, ComparisonMetric.For(text, ComparisonMetric.TestLoss));
        Assert.Same(ComparisonMetric.TestLoss, ComparisonMetric.For(ComparisonData.WrnSpec("a", [1]), ComparisonMetric.TestLoss));
    }

    [Fact]
    public async Task Delta_and_p_compare_with_the_chosen_column_paired_by_experiment_and_seed()
    {
        await using var db = _context.NewDb();
        var (comparison, _) = await ComparisonBuilder.LoadAsync(db, [1, 2], CancellationToken.None, against: "BAN-1");
        var row = comparison.Rows.Single();
        Assert.Equal("BAN-1", comparison.Against);

        // BAN-1 is now the reference: no Δ of its own; the teacher is 3 points worse than it.
        Assert.Null(row.Cell("BAN-1")!.Final!.ImprovementOverTeacher);
        Assert.Equal(-3, row.Cell("Teacher")!.Final!.ImprovementOverTeacher!.Value, 9);
        // BAN-2 (seeds 1, 2: 26, 28) against BAN-1 (27, 28, 29): Δ = 28 − 27; paired over seeds 1 and 2 only
        // (differences 1 and 0): t = 1, df 1, p = 1 − (2/π) atan 1 = 0.5.
        var ban2 = row.Cell("BAN-2")!.Final!;
        Assert.Equal(1, ban2.ImprovementOverTeacher!.Value, 9);
        Assert.Equal((3, 2), (ban2.TeacherN, ban2.Pairs));
        Assert.Equal(0.5, ban2.PairedPValue!.Value, 12);

        // A column no configuration has: every cell says so instead of a number.
        var (none, _) = await ComparisonBuilder.LoadAsync(db, [1, 2], CancellationToken.None, against: "Baseline");
        var teacher = none.Rows.Single().Cell("Teacher")!.Final!;
        Assert.Equal((null, null), (teacher.ImprovementOverTeacher, teacher.PValue));
        Assert.Equal("no p-value: this configuration has no finished Baseline run", teacher.NoPValueReason);
    }

    /// <summary>A finished run of <paramref name="column"/> with its error (percent), saved at that checkpoint path.</summary>
    static BanStudio.Web.Infrastructure.Data.Run Finished(string column, long seed, double percent, string? checkpoint, string fingerprint = "f") => new()
    {
        Key = $"seed-{seed}/{column.ToLowerInvariant()}", Column = column, Seed = seed, Model = "WRN-10-1", Objective = "label",
        Status = BanStudio.Web.Infrastructure.Data.RunStatus.Completed, FinalTestError = percent / 100, BestTestError = percent / 100,
        CheckpointPath = checkpoint, Fingerprint = checkpoint is null ? "" : fingerprint + column,
    };

    [Fact]
    public void A_baseline_run_beside_its_ban_spec_reuses_the_teachers_once_and_pairs_with_ban_1_seed_by_seed()
    {
        // Table 5's design in one folder: experiment 1 (teacher, BAN-1), then experiment 2 (the same teachers, reused
        // from their checkpoints, and the Baseline). Experiment 3 trained its own teacher of seed 1 elsewhere.
        var ban = ComparisonData.WrnSpec("ban", [1, 2, 3], generations: 1);
        var baseline = ComparisonData.WrnSpec("baseline", [1, 2, 3], generations: 0, treatments: [Treatment.Baseline]);
        long[] seeds = [1, 2, 3];
        double[] teacher = [30, 32, 31], ban1 = [27, 30, 28], labels = [29, 31, 28.5];
        var e1 = seeds.SelectMany((s, i) => new[]
            { Finished("Teacher", s, teacher[i], $"/runs/a/seed-{s}/teacher/checkpoint.bin"), Finished("BAN-1", s, ban1[i], $"/runs/a/seed-{s}/ban-1/checkpoint.bin") }).ToList();
        var e2 = seeds.SelectMany((s, i) => new[]
            { Finished("Teacher", s, teacher[i], $"/runs/a/seed-{s}/teacher/checkpoint.bin"), Finished("Baseline", s, labels[i], $"/runs/a/seed-{s}/baseline/checkpoint.bin") }).ToList();
        var e3 = new List<BanStudio.Web.Infrastructure.Data.Run> { Finished("Teacher", 1, 35, "/runs/b/seed-1/teacher/checkpoint.bin"), Finished("Baseline", 1, 20, "/runs/b/seed-1/baseline/checkpoint.bin") };
        var experiments = new List<ComparedExperiment>
        {
            new(1, "ban", BanStudio.Training.SpecJson.Write(ban), e1),
            new(2, "baseline", BanStudio.Training.SpecJson.Write(baseline), e2),
        };

        var row = ComparisonBuilder.Build(experiments, against: "Baseline").Rows.Single();
        // The teachers are three models, not six: n = 3 and no note about seeds run twice.
        Assert.Equal(3, row.Cell("Teacher")!.Final!.N);
        Assert.Empty(row.Notes);
        // BAN-1 of experiment 1 pairs with the Baseline of experiment 2 under the same teacher: differences 2, 1, 0.5.
        var ban1Cell = row.Cell("BAN-1")!.Final!;
        Assert.Equal(3, ban1Cell.Pairs);
        Assert.Equal(7 / 6.0, ban1Cell.PairedImprovement!.Value, 9);
        var expected = Statistics.Paired([(29, 27), (31, 30), (28.5, 28)]);
        Assert.Equal(expected.PValue!.Value, ban1Cell.PairedPValue!.Value, 12);

        // Experiment 3's seed 1 has another teacher: its Baseline joins the Baseline cell, not BAN-1's pairs; its
        // teacher is another model, so seed 1's teacher now counts twice, and the note says so.
        var withOther = ComparisonBuilder.Build([.. experiments, new(3, "elsewhere", BanStudio.Training.SpecJson.Write(baseline with { Seeds = [1] }), e3)], against: "Baseline").Rows.Single();
        Assert.Equal(4, withOther.Cell("Baseline")!.Final!.N);
        Assert.Equal(4, withOther.Cell("Teacher")!.Final!.N);
        Assert.Equal(3, withOther.Cell("BAN-1")!.Final!.Pairs);
        Assert.Equal(expected.PValue!.Value, withOther.Cell("BAN-1")!.Final!.PairedPValue!.Value, 12);
        Assert.Contains(withOther.Notes, n => n.StartsWith("seed 1 was run in experiments 1, 3", StringComparison.Ordinal));

        // The BAN spec run again with more seeds into the same folder: seed 1's teacher, BAN-1 and ensemble are reused
        // (an ensemble has no checkpoint of its own: it is known by its first member's, its key and fingerprint).
        static BanStudio.Web.Infrastructure.Data.Run Ensemble(long seed, double percent) => new()
        {
            Key = $"seed-{seed}/ens-2", Column = "Ens*2", Seed = seed, Model = "ensemble", Objective = "ensemble", IsEnsemble = true,
            Members = $"seed-{seed}/ban-1,seed-{seed}/teacher", Status = BanStudio.Web.Infrastructure.Data.RunStatus.Completed,
            FinalTestError = percent / 100, Fingerprint = "fEns",
        };
        var again = new List<ComparedExperiment>
        {
            new(1, "ban", experiments[0].SpecJson, [e1[0], e1[1], Ensemble(1, 26)]),
            new(4, "ban, more seeds", BanStudio.Training.SpecJson.Write(ban with { Seeds = [1, 4] }), [e1[0], e1[1], Ensemble(1, 26),
                Finished("Teacher", 4, 33, "/runs/a/seed-4/teacher/checkpoint.bin"), Finished("BAN-1", 4, 31, "/runs/a/seed-4/ban-1/checkpoint.bin"), Ensemble(4, 30)]),
        };
        var grown = ComparisonBuilder.Build(again).Rows.Single();
        Assert.Equal([2, 2, 2], new[] { "Teacher", "BAN-1", "Ens*2" }.Select(c => grown.Cell(c)!.Final!.N));
        Assert.Equal(28, grown.Cell("Ens*2")!.Final!.Mean, 9);

        // Without checkpoints to tell (an older store), runs stay one per experiment, paired within their experiment.
        static List<BanStudio.Web.Infrastructure.Data.Run> Bare(List<BanStudio.Web.Infrastructure.Data.Run> runs) =>
            runs.Select(r => { r.CheckpointPath = null; r.Fingerprint = ""; return r; }).ToList();
        var bare = ComparisonBuilder.Build([new(1, "ban", experiments[0].SpecJson, Bare(e1)), new(2, "baseline", experiments[1].SpecJson, Bare(e2))], against: "Baseline").Rows.Single();
        Assert.Equal(6, bare.Cell("Teacher")!.Final!.N);
        Assert.Equal(0, bare.Cell("BAN-1")!.Final!.Pairs);
    }

    [Fact]
    public async Task The_best_cell_of_a_row_is_marked_separately_for_the_final_and_the_best_epoch()
    {
        var row = (await LoadAsync(1, 2)).Rows.Single();
        Assert.Equal(["Ens*2"], row.Cells.Where(c => c.Final?.BestInRow == true).Select(c => c.Column));
        Assert.Equal(["BAN-1"], row.Cells.Where(c => c.Best?.BestInRow == true).Select(c => c.Column));
    }

    [Fact]
    public async Task The_papers_numbers_stand_beside_a_matching_configuration_only()
    {
        var comparison = await LoadAsync(1, 3);
        var ours = comparison.Rows.Single(r => r.ExperimentIds.Contains(1));
        var paperRow = comparison.Rows.Single(r => r.ExperimentIds.Contains(3));

        Assert.Null(ours.Paper);
        Assert.All(ours.Cells, c => Assert.Null(c.Paper));
        Assert.Equal(new PaperNumber(17.69, "Table 2"), paperRow.Cell("Teacher")!.Paper);
        Assert.Equal(new PaperNumber(16.62, "Table 2"), paperRow.Cell("BAN-1")!.Paper);
        Assert.Equal(16.44, paperRow.Paper!.Numbers["BAN-2"].Value);
        // One seed on each side: no test.
        Assert.Contains("n=1 vs n=1", paperRow.Cell("BAN-1")!.Final!.NoPValueReason);
    }

    [Fact]
    public async Task The_lineage_chains_generations_hangs_treatments_off_the_teacher_and_ensembles_off_their_members()
    {
        var row = (await LoadAsync(1, 2)).Rows.Single();
        var lineage = Lineage.Of(row, ErrorView.Final);

        Assert.Equal(new[] { "Teacher", "BAN", "BAN+L", "BAN-1", "BAN-2", "Ens*2" }.Order(StringComparer.Ordinal),
            lineage.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal));
        Assert.Equal(
            new[] { ("Teacher", "BAN", false), ("Teacher", "BAN+L", false), ("Teacher", "BAN-1", false), ("BAN-1", "BAN-2", false),
                    ("BAN-1", "Ens*2", true), ("BAN-2", "Ens*2", true) }.Order(),
            lineage.Edges.Select(e => (e.From, e.To, e.IsEnsemble)).Order());
        var byId = lineage.Nodes.ToDictionary(n => n.Id);
        Assert.Equal("31.00 ± 1.00 %, n=3", byId["Teacher"].ValueText);
        Assert.Equal("29.00 %, n=1", byId["BAN+L"].ValueText);
        Assert.True(byId["Ens*2"].BestInRow);
        // The sequence runs left to right on one line; the ensemble sits under the generation that completes it.
        Assert.True(byId["Teacher"].GridX < byId["BAN-1"].GridX && byId["BAN-1"].GridX < byId["BAN-2"].GridX);
        Assert.Equal((byId["BAN-2"].GridX, 1), (byId["Ens*2"].GridX, byId["Ens*2"].GridY));

        // In the best-epoch view the ensemble has no value, and BAN-1 is the best.
        var best = Lineage.Of(row, ErrorView.Best).Nodes.ToDictionary(n => n.Id);
        Assert.Equal("—", best["Ens*2"].ValueText);
        Assert.True(best["BAN-1"].BestInRow);
    }

    [Fact]
    public async Task The_label_only_baseline_stands_above_the_treatments_with_no_edge_from_the_teacher()
    {
        var row = (await LoadAsync(1, 2)).Rows.Single();
        row = row with { Cells = [.. row.Cells, new ComparisonCell("Baseline", [], null, null, 0, 0, null)] };
        var lineage = Lineage.Of(row, ErrorView.Final);
        var byId = lineage.Nodes.ToDictionary(n => n.Id);
        Assert.Equal((LineageNodeKind.Baseline, 0, 0, "—"), (byId["Baseline"].Kind, byId["Baseline"].GridX, byId["Baseline"].GridY, byId["Baseline"].ValueText));
        Assert.Equal((LineageNodeKind.Treatment, 0, 1), (byId["BAN"].Kind, byId["BAN"].GridX, byId["BAN"].GridY));
        Assert.DoesNotContain(lineage.Edges, e => e.To == "Baseline" || e.From == "Baseline");
        Assert.Contains(lineage.Edges, e => e is { From: "Teacher", To: "BAN" });
    }

    [Fact]
    public async Task An_ensemble_that_includes_the_teacher_draws_an_edge_from_it()
    {
        var row = (await LoadAsync(1)).Rows.Single() with { EnsembleIncludesTeacher = true };
        var edges = Lineage.Of(row, ErrorView.Final).Edges.Where(e => e.IsEnsemble).Select(e => e.From).Order();
        Assert.Equal(["BAN-1", "Teacher"], edges);
    }

    [Fact]
    public async Task Curves_average_seeds_per_epoch_with_a_std_band_and_smooth_each_run_first()
    {
        var comparison = await LoadAsync(1, 2);
        await using var db = _context.NewDb();
        var epochs = await EpochRow.LoadAsync(db, comparison, CancellationToken.None);

        var raw = Curves.Build(comparison, epochs, [(0, "Teacher"), (0, "BAN-2")], CurveQuantity.Metric, 0);
        var teacher = raw.Single(s => s.Column == "Teacher");
        Assert.Equal([1, 2, 3], teacher.Epochs);
        Assert.Equal(3, teacher.Seeds);
        // Epoch 1: 36, 40, 38; epoch 2: 29, 30, 34; epoch 3: 30, 32, 31 (test error %).
        Assert.Equal([38, 31, 31], teacher.Mean.Select(v => Math.Round(v, 9)));
        Assert.Equal([2, Math.Round(Math.Sqrt(7), 9), 1], teacher.Std.Select(v => Math.Round(v!.Value, 9)));
        // The still-training BAN-2 of seed 3 has one epoch: a line point without a band.
        var ban2 = raw.Single(s => s.Column == "BAN-2");
        Assert.Equal([1], ban2.Epochs);
        Assert.Null(ban2.Std[0]);

        // EMA 0.5 per run: seed 1 36, 32.5, 31.25; seed 2 40, 35, 33.5; seed 3 38, 36, 33.5.
        var smooth = Curves.Build(comparison, epochs, [(0, "Teacher")], CurveQuantity.Metric, 0.5).Single();
        Assert.Equal([38, (32.5 + 35 + 36) / 3, (31.25 + 33.5 + 33.5) / 3], smooth.Mean.Select(v => Math.Round(v, 9)).ToArray(),
            new RoundedComparer());
    }

    sealed class Tolerance : IEqualityComparer<(double, double, int)>
    {
        public bool Equals((double, double, int) a, (double, double, int) b) =>
            Math.Abs(a.Item1 - b.Item1) < 1e-9 && Math.Abs(a.Item2 - b.Item2) < 1e-9 && a.Item3 == b.Item3;

        public int GetHashCode((double, double, int) v) => v.Item3;
    }

    sealed class RoundedComparer : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) < 1e-9;
        public int GetHashCode(double v) => 0;
    }
}
