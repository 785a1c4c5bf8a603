using BanStudio.Training.Data;
using BanStudio.Training.Training;
using static TorchSharp.torch;

namespace BanStudio.Tests.Training;

public class TestScoreTests
{
    [Fact]
    public void A_uniform_predictor_scores_log_of_the_class_count_and_misses_every_label_but_the_first_class()
    {
        using var data = BuiltinDataset.Generate(seed: 2, trainSize: 50, testSize: 230);
        var score = TestScore.Evaluate(data, CPU, batchSize: 64, x => full(x.shape[0], 10, Math.Log(0.1)));
        double firstClass = data.Test.Labels.eq(0).sum().item<long>() / 230.0;
        Assert.Equal(Math.Log(10), score.Loss, 5);
        Assert.Equal(1 - firstClass, score.Error, 12);
        Assert.Null(score.Top5Error);
    }

    [Fact]
    public void A_predictor_that_knows_the_labels_has_no_error_and_top5_counts_the_five_best()
    {
        using var data = BuiltinDataset.Generate(seed: 2, trainSize: 50, testSize: 100);
        // 20 classes so top-5 is reported; the predictor ranks (label + 4) first and the label fifth
        using var labels = data.Test.Labels.clone();
        int seen = 0;
        var score = TestScore.Evaluate(data, CPU, batchSize: 30, x =>
        {
            var y = labels.narrow(0, seen, x.shape[0]);
            seen += (int)x.shape[0];
            var logits = zeros(x.shape[0], 20);
            for (int k = 0; k < 5; k++) logits.scatter_(1, (y + 4 - k).unsqueeze(1), full(x.shape[0], 1, 10.0 - k));
            return nn.functional.log_softmax(logits, 1);
        });
        Assert.Equal(1, score.Error, 12);
        Assert.Equal(0, score.Top5Error!.Value, 12);
    }
}
