using BanStudio.Training.Experiments;

namespace BanStudio.Web.Infrastructure.Live;

/// <summary>An experiment was deleted: lists read themselves again, its live page says it is gone. Not sent over the hub.</summary>
public sealed record ExperimentDeleted(int ExperimentId) : ExperimentEvent($"experiment {ExperimentId}");
