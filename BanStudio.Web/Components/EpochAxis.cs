using Plotly.Blazor.LayoutLib;

namespace BanStudio.Web.Components;

/// <summary>The x axis of every per-epoch chart: epochs are whole numbers, so the ticks are too (never one at 1.5).</summary>
public static class EpochAxis
{
    /// <summary>Ticks from epoch 1, every epoch up to 10 epochs, then at most about ten of them.</summary>
    public static XAxis For(int lastEpoch) => new()
    {
        Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "epoch" },
        Tick0 = 1,
        DTick = Math.Max(1, (int)Math.Ceiling(lastEpoch / 10.0)),
    };
}
