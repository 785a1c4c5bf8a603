using BanStudio.Training.Experiments;
using BanStudio.Web.Infrastructure.Data;

namespace BanStudio.Web.Infrastructure.Live;

/// <summary>
/// The last event of an experiment as the app sees it, raised after its status is stored. Unlike the
/// runner's <see cref="ExperimentFinished"/> it also covers endings the runner never saw: a dataset that
/// would not load, a cancel while queued, the host stopping ("interrupted").
/// </summary>
public sealed record ExperimentEnded(string Experiment, int ExperimentId, ExperimentStatus Status, string? Reason)
    : ExperimentEvent(Experiment);
