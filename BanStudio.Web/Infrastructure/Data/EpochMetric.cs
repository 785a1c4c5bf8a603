namespace BanStudio.Web.Infrastructure.Data;

/// <summary>
/// One epoch of one run. Errors are fractions, losses label cross-entropy per sample. For a language model a
/// sample is a word (perplexity = exp(loss)), <see cref="ImagesPerSecond"/> is training words per second and
/// <see cref="ValidLoss"/> is the validation split's loss; image datasets have no validation split (null).
/// </summary>
public sealed class EpochMetric
{
    public int Id { get; set; }
    public int RunId { get; set; }
    public Run? Run { get; set; }
    /// <summary>1-based, as the trainer reports it.</summary>
    public int Epoch { get; set; }
    public double TrainLoss { get; set; }
    public double TrainError { get; set; }
    public double TestLoss { get; set; }
    public double TestError { get; set; }
    public double? TestTop5Error { get; set; }
    public double LearningRate { get; set; }
    public double Seconds { get; set; }
    public double ImagesPerSecond { get; set; }
    public double? ValidLoss { get; set; }
}
