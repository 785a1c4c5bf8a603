using Microsoft.AspNetCore.SignalR;

namespace BanStudio.Web.Infrastructure.Live;

/// <summary>
/// Live training metrics at /hubs/training. A client subscribes to the experiments it shows; everything
/// it receives comes from <see cref="TrainingBroadcaster"/> through the group of each experiment.
/// </summary>
public sealed class TrainingHub : Hub<ITrainingClient>
{
    public const string Path = "/hubs/training";

    public static string Group(int experimentId) => $"experiment-{experimentId}";

    public Task Subscribe(int experimentId) => Groups.AddToGroupAsync(Context.ConnectionId, Group(experimentId));

    public Task Unsubscribe(int experimentId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(experimentId));
}
