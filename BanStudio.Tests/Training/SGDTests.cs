using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Training.Training;
using static TorchSharp.torch;

namespace BanStudio.Tests.Training;

/// <summary>The trainers' SGD against TorchSharp's: the same weights and the same saved state, step after step.</summary>
[Collection(TorchCollection.Name)]
public sealed class SGDTests
{
    [Theory]
    [InlineData(0.9, 5e-4, true)]
    [InlineData(0.9, 5e-4, false)]
    [InlineData(0.0, 0.0, false)]
    public void Gives_the_same_weights_as_torchsharps_sgd(double momentum, double weightDecay, bool nesterov)
    {
        var shape = new DataShape(3, 16, 10);
        using var ours = new WideResNetSpec(10, 1, DropRate: 0).Build(shape, seed: 4);
        using var theirs = new WideResNetSpec(10, 1, DropRate: 0).Build(shape, seed: 4);
        using var safe = new BanStudio.Training.Training.SGD(ours.parameters(), 0.1, momentum, weightDecay: weightDecay, nesterov: nesterov);
        using var reference = optim.SGD(theirs.parameters(), 0.1, momentum, weight_decay: weightDecay, nesterov: nesterov);
        using var generator = new Generator(11);
        for (int step = 0; step < 4; step++)
        {
            using var scope = NewDisposeScope();
            var x = randn([8, 3, 16, 16], generator: generator);
            var y = randint(0, 10, [8], ScalarType.Int64, generator: generator);
            foreach (var (model, optimizer) in new (BanModel, TorchSharp.Modules.OptimizerHelper)[] { (ours, safe), (theirs, reference) })
            {
                optimizer.zero_grad();
                nn.functional.cross_entropy(model.forward(x), y).backward();
                optimizer.step();
            }
            // The learning rate is changed between steps as the schedules do.
            foreach (var group in safe.ParamGroups.Concat(reference.ParamGroups)) group.LearningRate = 0.1 / (step + 2);
        }
        var expected = theirs.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.All(ours.named_parameters(), p => Assert.True(p.parameter.eq(expected[p.name]).all().item<bool>(), $"{p.name} differs"));
        // A step moved the weights at all (a step that did nothing would pass the comparison above).
        using var fresh = new WideResNetSpec(10, 1, DropRate: 0).Build(shape, seed: 4);
        Assert.False(fresh.parameters().First().eq(ours.parameters().First()).all().item<bool>());

        // The saved state is TorchSharp's, so a checkpoint written by either loads into the other (checkpoints written
        // before this optimiser replaced TorchSharp's resume), and loading it continues the same way.
        string file = Path.GetTempFileName();
        try
        {
            reference.save_state_dict(file);
            using var resumed = new BanStudio.Training.Training.SGD(ours.parameters(), 0.1, momentum, weightDecay: weightDecay, nesterov: nesterov);
            resumed.load_state_dict(file);
            safe.save_state_dict(file);
            using var back = optim.SGD(theirs.parameters(), 0.1, momentum, weight_decay: weightDecay, nesterov: nesterov);
            back.load_state_dict(file);
        }
        finally { File.Delete(file); }
    }
}
