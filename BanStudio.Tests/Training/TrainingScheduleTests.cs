using BanStudio.Training.Training;

namespace BanStudio.Tests.Training;

public class TrainingScheduleTests
{
    [Fact]
    public void Default_multistep_schedule_is_wide_resnets_60_120_160_of_200()
    {
        var s = new TrainingSchedule();
        Assert.Equal([60, 120, 160], s.MilestoneEpochs);
        Assert.Equal(0.1, s.LearningRateAt(0), 12);
        Assert.Equal(0.1, s.LearningRateAt(59), 12);
        Assert.Equal(0.02, s.LearningRateAt(60), 12);
        Assert.Equal(0.004, s.LearningRateAt(120), 12);
        Assert.Equal(0.0008, s.LearningRateAt(199), 12);
    }

    [Fact]
    public void A_one_epoch_run_trains_at_the_base_rate()
    {
        var s = new TrainingSchedule { Epochs = 1 };
        Assert.Equal(0.1, s.LearningRateAt(0), 12);
        Assert.Equal(0.1, new TrainingSchedule { Epochs = 3 }.LearningRateAt(0), 12);
    }

    [Fact]
    public void Cosine_schedule_starts_at_the_base_rate_and_halves_at_mid_run()
    {
        var s = new TrainingSchedule { Epochs = 10, Schedule = LearningRateSchedule.Cosine };
        Assert.Equal(0.1, s.LearningRateAt(0), 12);
        Assert.Equal(0.05, s.LearningRateAt(5), 12);
        Assert.True(s.LearningRateAt(9) < 0.003);
    }

    [Theory]
    [InlineData(0, 128, 0.1, "schedule.epochs")]
    [InlineData(10, 0, 0.1, "schedule.batchSize")]
    [InlineData(10, 128, -1, "schedule.learningRate")]
    public void Invalid_values_are_reported_with_their_field(int epochs, int batch, double lr, string field)
    {
        var errors = new TrainingSchedule { Epochs = epochs, BatchSize = batch, LearningRate = lr }.Validate();
        Assert.Equal(field, Assert.Single(errors).Field);
    }

    [Fact]
    public void Milestones_must_be_increasing_fractions()
    {
        Assert.Contains(new TrainingSchedule { Milestones = [0.6, 0.3] }.Validate(), e => e.Field == "schedule.milestones");
        Assert.Contains(new TrainingSchedule { Milestones = [60, 120] }.Validate(), e => e.Field == "schedule.milestones");
    }
}
