using Microsoft.AspNetCore.Components;

namespace BanStudio.Web.Features.Compare;

/// <summary>Draws one row's <see cref="Lineage"/>: boxes on a grid, arrows from teacher to student, dashed arrows into ensembles.</summary>
public partial class LineageGraph
{
    [Parameter, EditorRequired] public required ComparisonRow Row { get; set; }
    [Parameter] public ErrorView View { get; set; }

    const int NodeWidth = 150, NodeHeight = 54, GapX = 46, GapY = 30, Margin = 8;

    Lineage lineage = new([], []);

    protected override void OnParametersSet() => lineage = Lineage.Of(Row, View);

    // Marker ids are global to the document: one per row, or every row would use the first row's.
    string ArrowId => $"lineage-arrow-{Row.Index}";

    int SvgWidth => Margin * 2 + lineage.Width * NodeWidth + Math.Max(0, lineage.Width - 1) * GapX;
    int SvgHeight => Margin * 2 + lineage.Height * NodeHeight + Math.Max(0, lineage.Height - 1) * GapY;

    static int X(LineageNode n) => Margin + n.GridX * (NodeWidth + GapX);
    static int Y(LineageNode n) => Margin + n.GridY * (NodeHeight + GapY);

    /// <summary>From the side of the source box facing the target to the facing side of the target box.</summary>
    (int, int, int, int) EdgeEnds(LineageEdge edge)
    {
        var from = lineage.Nodes.Single(n => n.Id == edge.From);
        var to = lineage.Nodes.Single(n => n.Id == edge.To);
        int fx = X(from), fy = Y(from), tx = X(to), ty = Y(to);
        if (from.GridY == to.GridY)
            return tx > fx ? (fx + NodeWidth, fy + NodeHeight / 2, tx, ty + NodeHeight / 2) : (fx, fy + NodeHeight / 2, tx + NodeWidth, ty + NodeHeight / 2);
        if (from.GridX == to.GridX)
            return ty > fy ? (fx + NodeWidth / 2, fy + NodeHeight, tx + NodeWidth / 2, ty) : (fx + NodeWidth / 2, fy, tx + NodeWidth / 2, ty + NodeHeight);
        // Diagonal: leave from the bottom (or top) and enter the target's near side.
        int sx = fx + NodeWidth / 2, sy = ty > fy ? fy + NodeHeight : fy;
        int ex = tx > fx ? tx : tx + NodeWidth;
        return (sx, sy, ex, ty + NodeHeight / 2);
    }

    static string Fill(LineageNode n) => n.Kind switch
    {
        LineageNodeKind.Teacher => "var(--mud-palette-primary-hover)",
        LineageNodeKind.Generation => "var(--mud-palette-info-hover)",
        LineageNodeKind.Treatment => "var(--mud-palette-secondary-hover)",
        LineageNodeKind.Baseline => "var(--mud-palette-action-disabled-background)",
        _ => "var(--mud-palette-tertiary-hover)",
    };

    static string Kind(LineageNode n) => n.Kind.ToString().ToLowerInvariant();

    string Tooltip(LineageNode n) => n.Kind switch
    {
        LineageNodeKind.Teacher => $"Teacher, trained from labels: {n.ValueText}",
        LineageNodeKind.Generation => $"{n.Id}, learns from the model on its left: {n.ValueText}",
        LineageNodeKind.Treatment => $"{n.Id}, learns from the teacher: {n.ValueText}",
        LineageNodeKind.Baseline => $"Baseline, the students' network trained from labels only: {n.ValueText}",
        _ => $"{n.Id}, the softmax average of the models with arrows into it (Eq. 4): {n.ValueText}",
    };
}
