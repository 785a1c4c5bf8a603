using System.Globalization;
using BanStudio.Training.Experiments;

namespace BanStudio.Web.Features.Compare;

public enum LineageNodeKind { Teacher, Generation, Treatment, Ensemble, Baseline }

/// <summary>A model of the lineage at grid position (Column, Row), with its error in the chosen view.</summary>
public sealed record LineageNode(string Id, LineageNodeKind Kind, int GridX, int GridY, string ValueText, bool BestInRow);

/// <summary>"learns from" (teacher to student) or "averages" (member to ensemble) edges.</summary>
public sealed record LineageEdge(string From, string To, bool IsEnsemble);

/// <summary>
/// The generation lineage of one configuration row, laid out on a grid: the sequence Teacher → BAN-1 → ... → BAN-k
/// along the top; BAN, BAN+L, CWTM and DKPP, the treatments that learn from the teacher, stacked in a column to its
/// left, under Table 5's label-only Baseline (no edge: it learns from nobody); each Ens*i below the generation that completes it, with an edge from every member (Eq. 4).
/// </summary>
public sealed record Lineage(IReadOnlyList<LineageNode> Nodes, IReadOnlyList<LineageEdge> Edges)
{
    public int Width => Nodes.Count == 0 ? 0 : Nodes.Max(n => n.GridX) + 1;
    public int Height => Nodes.Count == 0 ? 0 : Nodes.Max(n => n.GridY) + 1;

    public static Lineage Of(ComparisonRow row, ErrorView view)
    {
        var present = row.Cells.Select(c => c.Column).ToHashSet();
        var treatments = new[] { ExperimentPlan.BaselineColumn, "BAN", "BAN+L", "CWTM", "DKPP" }.Where(present.Contains).ToList();
        var generations = present.Where(c => c.StartsWith("BAN-", StringComparison.Ordinal))
            .OrderBy(ExperimentPlan.ColumnOrder).ToList();
        var ensembles = present.Where(c => c.StartsWith("Ens*", StringComparison.Ordinal)).OrderBy(ExperimentPlan.ColumnOrder).ToList();
        int teacherX = treatments.Count > 0 ? 1 : 0;

        var nodes = new List<LineageNode>();
        var edges = new List<LineageEdge>();
        LineageNode Node(string column, LineageNodeKind kind, int x, int y)
        {
            var summary = row.Cell(column)?.In(view);
            string text = summary is null ? "—" : Format(summary, row.Unit, ComparisonMetric.ByKey(row.Metric).Decimals);
            return new(column, kind, x, y, text, summary?.BestInRow ?? false);
        }

        nodes.Add(Node(ExperimentPlan.TeacherColumn, LineageNodeKind.Teacher, teacherX, 0));
        for (int i = 0; i < treatments.Count; i++)
        {
            bool baseline = treatments[i] == ExperimentPlan.BaselineColumn;
            nodes.Add(Node(treatments[i], baseline ? LineageNodeKind.Baseline : LineageNodeKind.Treatment, 0, i));
            // The baseline learns from labels only: it stands beside the treatments with no edge from the teacher.
            if (!baseline) edges.Add(new(ExperimentPlan.TeacherColumn, treatments[i], false));
        }
        string previous = ExperimentPlan.TeacherColumn;
        var xOf = new Dictionary<string, int> { [ExperimentPlan.TeacherColumn] = teacherX };
        foreach (string generation in generations)
        {
            int x = teacherX + int.Parse(generation[4..], CultureInfo.InvariantCulture);
            xOf[generation] = x;
            nodes.Add(Node(generation, LineageNodeKind.Generation, x, 0));
            edges.Add(new(previous, generation, false));
            previous = generation;
        }
        foreach (string ensemble in ensembles)
        {
            int size = int.Parse(ensemble[4..], CultureInfo.InvariantCulture);
            // Ens*n averages the first n of [Teacher,] BAN-1, BAN-2, ... (ExperimentPlan's pool).
            var pool = (row.EnsembleIncludesTeacher ? generations.Prepend(ExperimentPlan.TeacherColumn) : generations).Take(size).ToList();
            int x = pool.Count > 0 && xOf.TryGetValue(pool[^1], out int last) ? last : teacherX + size;
            nodes.Add(Node(ensemble, LineageNodeKind.Ensemble, x, 1));
            edges.AddRange(pool.Select(member => new LineageEdge(member, ensemble, true)));
        }
        return new(nodes, edges);
    }

    /// <summary>"16.69 ± 0.12 %, n=3", or "17.10 %, n=1"; a loss with 3 decimals: "0.487 ± 0.012 nats, n=3".</summary>
    public static string Format(CellSummary s, string unit, int decimals = 2)
    {
        string u = unit.Length == 0 ? "" : " " + unit;
        string mean = SummaryCell.Fixed(s.Mean, decimals);
        return s.Std is { } std
            ? $"{mean} ± {SummaryCell.Fixed(std, decimals)}{u}, n={s.N}"
            : $"{mean}{u}, n={s.N}";
    }
}
