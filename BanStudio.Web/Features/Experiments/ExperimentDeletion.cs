using BanStudio.Web.Infrastructure.Queue;
using MudBlazor;

namespace BanStudio.Web.Features.Experiments;

/// <summary>The pages' Delete: asks first (it cannot be undone), then deletes through <see cref="ExperimentControl"/> and says what happened.</summary>
public static class ExperimentDeletion
{
    /// <returns>Whether the experiment is gone.</returns>
    public static async Task<bool> ConfirmAndDeleteAsync(IDialogService dialogs, ExperimentControl control, ISnackbar snackbar,
        int id, string name, CancellationToken ct)
    {
        bool? yes = await dialogs.ShowMessageBoxAsync($"Delete experiment {id}?",
            $"\"{name}\" will be removed with its runs, epochs and log, and its checkpoints when they are in the app's runs folder. This cannot be undone; " +
            "download its results.csv and metrics.csv first to keep its numbers.",
            yesText: "Delete", cancelText: "Keep it");
        if (yes != true) return false;
        var result = await control.DeleteAsync(id, ct);
        switch (result.Outcome)
        {
            case ControlOutcome.Accepted:
                snackbar.Add(result.FilesKept is { } kept ? $"Experiment {id} deleted; {kept}" : $"Experiment {id} deleted with its files",
                    result.FilesKept is null ? Severity.Info : Severity.Warning);
                return true;
            case ControlOutcome.NotFound:
                snackbar.Add($"Experiment {id} was already deleted", Severity.Info);
                return true;
            default:
                snackbar.Add(result.Problem ?? $"experiment {id} was not deleted", Severity.Warning);
                return false;
        }
    }
}
