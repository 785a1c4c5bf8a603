using BanStudio.Training.Experiments;

namespace BanStudio.Web.Infrastructure.Live;

/// <summary>
/// An experiment was put on the queue (submitted or resumed). Pages that list experiments take it as the
/// cue to read the list again; it is not sent over the hub, whose clients subscribe to one experiment.
/// </summary>
public sealed record ExperimentQueued(int ExperimentId) : ExperimentEvent($"experiment {ExperimentId}");
