using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Language;
using BanStudio.Training.Models;
using BanStudio.Training.Objectives;
using BanStudio.Training.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BanStudio.Tests.Training;

/// <summary>The pure bfloat16 mode: BatchNorm kept in float32, float32 logits out, checkpoints that say what they hold.</summary>
[Collection(TorchCollection.Name)]
public sealed class PrecisionTests() : BuiltinDataTests(0, 640, 200, "ban-precision-")
{

    [Theory]
    [InlineData("wrn")]
    [InlineData("densenet")]
    public void Bfloat16_converts_everything_but_batchnorm_and_hands_back_float32_logits(string family)
    {
        ModelSpec spec = family == "wrn" ? new WideResNetSpec(10, 1, DropRate: 0.3) : new DenseNetSpec(10, 12);
        using var model = spec.Build(_data.Shape, seed: 1);
        model.UsePrecision(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, model.ComputeType);

        var norms = model.modules().OfType<BatchNorm2d>().ToList();
        Assert.NotEmpty(norms);
        var normTensors = norms.SelectMany(n => n.parameters().Concat(n.buffers())).Where(t => t.is_floating_point()).ToList();
        Assert.All(normTensors, t => Assert.Equal(ScalarType.Float32, t.dtype));
        var others = model.parameters().Except(norms.SelectMany(n => n.parameters())).ToList();
        Assert.NotEmpty(others);
        Assert.All(others, p => Assert.Equal(ScalarType.BFloat16, p.dtype));

        using var scope = NewDisposeScope();
        model.eval();
        var logits = model.forward(rand(4, _data.Shape.Channels, _data.Shape.ImageSize, _data.Shape.ImageSize));
        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.Equal([4L, _data.Shape.Classes], logits.shape);
    }

    [Fact]
    public void A_bfloat16_run_learns_like_float32_and_its_checkpoint_loads_into_a_fresh_float32_model_as_bfloat16()
    {
        TrainingResult Train(BanModel model, Precision precision, string? folder) => new Trainer(new TrainerOptions
        {
            Model = model, Data = _data, Seed = 3, CheckpointDirectory = folder, Objective = new Label(),
            Schedule = new TrainingSchedule { Epochs = 4, BatchSize = 64, LearningRate = 0.05, Precision = precision },
        }).Run();
        using var full = new WideResNetSpec(10, 1, DropRate: 0).Build(_data.Shape, seed: 1);
        using var model = new WideResNetSpec(10, 1, DropRate: 0).Build(_data.Shape, seed: 1);
        var reference = Train(full, Precision.Float32, null);
        var result = Train(model, Precision.BFloat16, _dir);
        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.All(result.History, h => Assert.True(double.IsFinite(h.TrainLoss)));
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss, "training in bfloat16 did not lower the loss");
        // Same data, seed and schedule: bfloat16's 8-bit mantissa moves the curve a little, not a lot.
        Assert.InRange(result.History[^1].TrainLoss, 0.85 * reference.History[^1].TrainLoss, 1.15 * reference.History[^1].TrainLoss);

        string path = Path.Combine(_dir, Checkpoint.FileName);
        Assert.Equal(Precision.BFloat16, Checkpoint.ReadHeader(path)!.Precision);
        // A teacher or an ensemble member is rebuilt in float32 and then loaded: it must come back as trained.
        using var reloaded = new WideResNetSpec(10, 1, DropRate: 0).Build(_data.Shape, seed: 99);
        Checkpoint.LoadWeights(path, reloaded);
        Assert.Equal(ScalarType.BFloat16, reloaded.ComputeType);
        using var scope = NewDisposeScope();
        model.eval();
        reloaded.eval();
        var x = rand(8, _data.Shape.Channels, _data.Shape.ImageSize, _data.Shape.ImageSize);
        Assert.True(model.forward(x).equal(reloaded.forward(x)).all().item<bool>());
    }

    [Fact]
    public void Float32_stays_out_of_the_json_so_older_specs_and_fingerprints_are_unchanged_and_bfloat16_round_trips()
    {
        Assert.DoesNotContain("precision", SpecJson.Write(new TrainingSchedule()));
        string json = SpecJson.Write(new TrainingSchedule { Precision = Precision.BFloat16 });
        Assert.Contains("\"precision\": \"bfloat16\"", json);
        Assert.Equal(Precision.BFloat16, SpecJson.Parse<TrainingSchedule>(json, "schedule").Precision);
    }

    [Fact]
    public void Tf32_is_on_unless_a_spec_says_false_and_saying_true_is_the_same_spec_as_saying_nothing()
    {
        string plain = SpecJson.Write(new TrainingSchedule());
        Assert.DoesNotContain("tf32", plain);
        Assert.True(SpecJson.Parse<TrainingSchedule>(plain, "schedule").UsesTf32);

        string off = SpecJson.Write(new TrainingSchedule { Tf32 = false });
        Assert.Contains("\"tf32\": false", off);
        Assert.False(SpecJson.Parse<TrainingSchedule>(off, "schedule").UsesTf32);

        // An explicit true is the default: the same JSON, so the same fingerprint, as a spec written before the setting.
        Assert.Equal(plain, SpecJson.Write(new TrainingSchedule { Tf32 = true }));
        Assert.Equal(plain, SpecJson.Write(SpecJson.Parse<TrainingSchedule>(plain.Replace("{", "{ \"tf32\": true,"), "schedule")));
    }

    [Fact]
    public void Tf32_switches_are_set_for_a_cuda_run_only_and_bind_on_this_build()
    {
        bool matmul = backends.cuda.matmul.allow_tf32, cudnn = backends.cudnn.allow_tf32;
        try
        {
            // The switches exist in this libtorch and hold what is written (the CUDA path writes them the same way).
            backends.cuda.matmul.allow_tf32 = false;
            backends.cudnn.allow_tf32 = false;
            Assert.False(backends.cuda.matmul.allow_tf32);
            Assert.False(backends.cudnn.allow_tf32);

            // A CPU run leaves them alone, whatever its schedule says.
            Assert.Null(Precisions.ApplyTf32(CPU, new TrainingSchedule()));
            Assert.False(backends.cuda.matmul.allow_tf32);
            Assert.False(backends.cudnn.allow_tf32);

            // A CPU training run through the trainer does not touch them either.
            backends.cuda.matmul.allow_tf32 = true;
            using var model = new WideResNetSpec(10, 1).Build(_data.Shape, seed: 1);
            var result = new Trainer(new TrainerOptions
            {
                Model = model, Data = _data, Seed = 1,
                Schedule = new TrainingSchedule { Epochs = 1, BatchSize = 64, LearningRate = 0.05, Tf32 = false },
            }).Run();
            Assert.Single(result.History);
            Assert.True(backends.cuda.matmul.allow_tf32);
            Assert.False(backends.cudnn.allow_tf32);
        }
        finally
        {
            backends.cuda.matmul.allow_tf32 = matmul;
            backends.cudnn.allow_tf32 = cudnn;
        }
    }

    [Fact]
    public void Half_modes_are_refused_where_they_cannot_run_naming_the_field()
    {
        var lm = ExperimentValidation.Validate(new ExperimentSpec
        {
            Teacher = new LstmSpec(12), Dataset = new(TextDatasets.BuiltinText),
            Schedule = new TrainingSchedule { Schedule = LearningRateSchedule.Plateau, ClipGradNorm = 5, Precision = Precision.BFloat16 },
        });
        Assert.Contains(lm, e => e.Field == "schedule.precision" && e.Message.Contains("float32 only"));

        var halfOnCpu = ExperimentValidation.Validate(new ExperimentSpec
        {
            Teacher = new WideResNetSpec(10, 1), Device = "cpu", Schedule = new TrainingSchedule { Precision = Precision.Float16 },
        });
        Assert.Contains(halfOnCpu, e => e.Field == "schedule.precision" && e.Message.Contains("bfloat16"));
        // "auto" is the CPU on this machine (no CUDA libtorch in the test build): refused the same way.
        Assert.Contains(ExperimentValidation.Validate(new ExperimentSpec
        {
            Teacher = new WideResNetSpec(10, 1), Device = "auto", Schedule = new TrainingSchedule { Precision = Precision.Float16 },
        }), e => e.Field == "schedule.precision" && e.Message.Contains("\"device\": \"auto\" runs on the CPU here"));

        Assert.DoesNotContain(ExperimentValidation.Validate(new ExperimentSpec
        {
            Teacher = new WideResNetSpec(10, 1), Device = "cpu", Schedule = new TrainingSchedule { Precision = Precision.BFloat16 },
        }), e => e.Field == "schedule.precision");
    }
}
