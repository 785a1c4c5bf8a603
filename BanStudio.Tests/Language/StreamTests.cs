using BanStudio.Training.Language;
using BanStudio.Training.Training;
using static TorchSharp.torch;

namespace BanStudio.Tests.Language;

public sealed class StreamTests
{
    [Fact]
    public void Batchify_cuts_the_stream_into_contiguous_columns_and_drops_the_remainder()
    {
        int[] ids = [.. Enumerable.Range(0, 23)];
        using var stream = new TokenStream(ids, batchSize: 3, steps: 2);
        Assert.Equal([7L, 3], stream.Data.shape); // 23 / 3 = 7 rows, words 21 and 22 dropped
        // Column b is words [7b, 7b + 7): reading a column top to bottom reads the text.
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6], stream.Data[TensorIndex.Colon, 0].data<long>().ToArray());
        Assert.Equal([14L, 15, 16, 17, 18, 19, 20], stream.Data[TensorIndex.Colon, 2].data<long>().ToArray());
    }

    [Fact]
    public void Windows_are_bptt_steps_long_with_targets_shifted_by_one_word_and_a_shorter_last_one()
    {
        int[] ids = [.. Enumerable.Range(0, 24)];
        using var stream = new TokenStream(ids, batchSize: 2, steps: 5); // 12 rows, 11 predicted rows
        Assert.Equal(3, stream.Windows);
        Assert.Equal(22, stream.PredictedWords);
        var (input, target) = stream.Window(0);
        Assert.Equal([0L, 12, 1, 13, 2, 14, 3, 15, 4, 16], input.data<long>().ToArray());
        Assert.Equal([1L, 13, 2, 14, 3, 15, 4, 16, 5, 17], target.data<long>().ToArray());
        var (lastInput, lastTarget) = stream.Window(2);
        Assert.Equal(1, lastInput.shape[0]); // rows 10 -> 11 only
        Assert.Equal([10L, 22], lastInput.data<long>().ToArray());
        Assert.Equal([11L, 23], lastTarget.data<long>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.Window(3));
    }

    [Fact]
    public void Consecutive_windows_continue_each_column()
    {
        int[] ids = [.. Enumerable.Range(0, 70)];
        using var stream = new TokenStream(ids, batchSize: 2, steps: 35 / 5);
        var (first, _) = stream.Window(0);
        var (second, _) = stream.Window(1);
        // Column 1 of window 2 starts where column 1 of window 1 stopped: what carrying the state relies on.
        Assert.Equal(first[-1, 1].item<long>() + 1, second[0, 1].item<long>());
    }

    [Fact]
    public void Too_little_text_for_the_batch_is_refused_with_the_fix()
    {
        var e = Assert.Throws<ArgumentException>(() => new TokenStream([1, 2, 3], batchSize: 2, steps: 35));
        Assert.Contains("smaller batch", e.Message);
    }

    static EpochMetrics Epoch(int n, double validPerplexity) =>
        new(n, 0, 0, 0, 0, null, 0, 0, 0, ValidLoss: Math.Log(validPerplexity));

    [Fact]
    public void The_lstm_plateau_schedule_quarters_the_rate_when_validation_perplexity_does_not_decrease()
    {
        var schedule = new TrainingSchedule { LearningRate = 1, Gamma = 0.25, Schedule = LearningRateSchedule.Plateau };
        Assert.Equal(1, PlateauSchedule.RateAfter(schedule, []));
        Assert.Equal(1, PlateauSchedule.RateAfter(schedule, [Epoch(1, 300), Epoch(2, 200)]));
        Assert.Equal(0.25, PlateauSchedule.RateAfter(schedule, [Epoch(1, 300), Epoch(2, 200), Epoch(3, 200)]));
        Assert.Equal(0.0625, PlateauSchedule.RateAfter(schedule, [Epoch(1, 300), Epoch(2, 310), Epoch(3, 320)]));
        // Compared with the previous epoch, not the best: a recovery after a bad epoch keeps the rate.
        Assert.Equal(0.25, PlateauSchedule.RateAfter(schedule, [Epoch(1, 300), Epoch(2, 310), Epoch(3, 305)]));
    }

    [Fact]
    public void The_cnn_lstm_plateau_schedule_halves_the_rate_unless_perplexity_drops_by_half_a_point()
    {
        var schedule = new TrainingSchedule { LearningRate = 2, Gamma = 0.5, Schedule = LearningRateSchedule.Plateau, PlateauThreshold = 0.5 };
        Assert.Equal(2, PlateauSchedule.RateAfter(schedule, [Epoch(1, 100), Epoch(2, 99.4)]));
        Assert.Equal(1, PlateauSchedule.RateAfter(schedule, [Epoch(1, 100), Epoch(2, 99.6)]));
        Assert.True(PlateauSchedule.Decays(100, double.NaN, 0));
    }

    [Fact]
    public void Schedule_fields_for_language_models_are_validated_by_name()
    {
        var errors = new TrainingSchedule { ClipGradNorm = -1, PlateauThreshold = 0.5 }.Validate();
        Assert.Contains(errors, e => e.Field == "schedule.clipGradNorm");
        Assert.Contains(errors, e => e.Field == "schedule.plateauThreshold" && e.Message.Contains("plateau"));
    }
}
