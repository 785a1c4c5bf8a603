using BanStudio.Training.Training;

namespace BanStudio.Training.Language;

/// <summary>
/// The adaptive learning rate of section 4.2: after each epoch, multiply the rate by gamma when validation
/// perplexity did not decrease (the LSTM: lr 1, gamma 0.25, threshold 0) or did not decrease by at least the
/// threshold (the CNN-LSTM: lr 2, gamma 0.5, threshold 0.5) relative to the previous epoch. A function of the
/// validation history alone, so a resumed run replays it from the checkpoint's metrics and continues with the
/// same rate an uninterrupted run would have.
/// </summary>
public static class PlateauSchedule
{
    /// <summary>Whether the rate drops after an epoch with validation perplexity <paramref name="current"/> following <paramref name="previous"/>.</summary>
    public static bool Decays(double previous, double current, double threshold)
    {
        double improvement = previous - current;
        return !(improvement > 0) || improvement < threshold; // NaN counts as no improvement
    }

    /// <summary>The learning rate of the epoch after <paramref name="history"/> (its first epoch when empty).</summary>
    public static double RateAfter(TrainingSchedule schedule, IReadOnlyList<EpochMetrics> history)
    {
        if (schedule.Schedule != LearningRateSchedule.Plateau) return schedule.LearningRateAt(history.Count);
        double lr = schedule.LearningRate, threshold = schedule.PlateauThreshold ?? 0;
        for (int e = 1; e < history.Count; e++)
        {
            if (history[e - 1].ValidLoss is not { } before || history[e].ValidLoss is not { } after) continue;
            if (Decays(Math.Exp(before), Math.Exp(after), threshold)) lr *= schedule.Gamma;
        }
        return lr;
    }
}
