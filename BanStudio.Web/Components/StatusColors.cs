using BanStudio.Web.Infrastructure.Data;
using MudBlazor;

namespace BanStudio.Web.Components;

/// <summary>One colour per experiment status, the same on every page.</summary>
public static class StatusColors
{
    public static Color Of(ExperimentStatus status) => status switch
    {
        ExperimentStatus.Running => Color.Info,
        ExperimentStatus.Completed => Color.Success,
        ExperimentStatus.Failed => Color.Error,
        ExperimentStatus.Cancelled or ExperimentStatus.Interrupted => Color.Warning,
        _ => Color.Default,
    };

    /// <summary>For a status as the API spells it ("running").</summary>
    public static Color Of(string status) => Of(Enum.Parse<ExperimentStatus>(status, ignoreCase: true));
}
