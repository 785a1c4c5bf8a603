using BanStudio.Training.Language;
using BanStudio.Training.Models;
using static TorchSharp.torch;

namespace BanStudio.Tests.Language;

/// <summary>
/// <see cref="SequenceScore"/> against a reference that reads each split in one forward pass per model (no windows,
/// no carried state): windowed evaluation with the state carried must give the same per-word loss and error, and
/// an ensemble must score the word-by-word average of its members' probabilities (Eq. 4), not of their log-probabilities.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class SequenceScoreTests : IDisposable
{
    const int Vocabulary = 30, Batch = 4, Steps = 7;
    readonly List<int> _ids;
    readonly LanguageModel _first, _second;

    public SequenceScoreTests()
    {
        var random = new Random(7);
        _ids = Enumerable.Range(0, 203).Select(_ => random.Next(Vocabulary)).ToList(); // 50 rows of 4: 7 windows, the last of 0
        // Dropout 0.5: evaluation must switch it off, or the scores would not be repeatable.
        _first = new LstmSpec(8, Layers: 2, Dropout: 0.5).BuildLanguageModel(Vocabulary, seed: 1);
        _second = new LstmSpec(8, Layers: 2, Dropout: 0.5).BuildLanguageModel(Vocabulary, seed: 2);
        // Untrained, both are near uniform and any way of averaging them agrees: sharpen them, differently.
        using var noGrad = no_grad();
        using var generator = new TorchSharp.torch.Generator(11);
        foreach (var p in _first.parameters().Concat(_second.parameters())) p.normal_(0, 1, generator);
    }

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }

    /// <summary>Loss, error and words of the members' averaged probabilities (or log-probabilities), whole split at once.</summary>
    (double Loss, double Error, long Words) Reference(bool averageLogProbabilities, params LanguageModel[] members)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var stream = new TokenStream(_ids, Batch, Steps);
        var input = stream.Data.narrow(0, 0, stream.Rows - 1);
        var target = stream.Data.narrow(0, 1, stream.Rows - 1).flatten();
        Tensor? sum = null;
        foreach (var member in members)
        {
            member.eval();
            var (logits, state) = member.Forward(input, null);
            state.Dispose();
            var flat = logits.view(-1, Vocabulary);
            var term = averageLogProbabilities ? flat.log_softmax(1) : flat.softmax(1);
            sum = sum is null ? term : sum + term;
        }
        var mean = sum! / members.Length;
        var logP = averageLogProbabilities ? mean : mean.log();
        double loss = -logP.gather(1, target.unsqueeze(1)).mean().item<float>();
        double error = logP.argmax(1).ne(target).to(ScalarType.Float64).mean().item<double>();
        return (loss, error, target.shape[0]);
    }

    [Fact]
    public void One_model_read_in_windows_with_its_state_carried_scores_as_the_whole_split_read_at_once()
    {
        var score = SequenceScore.Evaluate([_first], _ids, CPU, Batch, Steps);
        var reference = Reference(false, _first);

        Assert.Equal(49 * Batch, score.Words);
        Assert.Equal(reference.Words, score.Words);
        Assert.Equal(reference.Loss, score.Loss, 4);
        Assert.Equal(reference.Error, score.Error, 6);
        Assert.Equal(Math.Exp(score.Loss), score.Perplexity, 9);
        // Far from uniform (ln 30 = 3.40 nats), so a loss taken over the wrong words or positions would show.
        Assert.True(Math.Abs(score.Loss - Math.Log(Vocabulary)) > 0.5, $"{score.Loss}");
        // Repeatable: dropout is off and no state leaks from one evaluation into the next.
        Assert.Equal(score, SequenceScore.Evaluate([_first], _ids, CPU, Batch, Steps));
    }

    [Fact]
    public void An_ensemble_scores_the_average_of_its_members_probabilities_word_by_word()
    {
        var ensemble = SequenceScore.Evaluate([_first, _second], _ids, CPU, Batch, Steps);
        var mixture = Reference(false, _first, _second);
        var geometric = Reference(true, _first, _second);
        var first = SequenceScore.Evaluate([_first], _ids, CPU, Batch, Steps);
        var second = SequenceScore.Evaluate([_second], _ids, CPU, Batch, Steps);

        Assert.Equal(mixture.Loss, ensemble.Loss, 4);
        Assert.Equal(mixture.Error, ensemble.Error, 6);
        // The two ways of averaging differ by more than the tolerance above, so the test tells them apart...
        Assert.True(Math.Abs(mixture.Loss - geometric.Loss) > 1e-3, $"mixture {mixture.Loss}, geometric {geometric.Loss}");
        // ...and by Jensen's inequality the mixture's loss is at most the members' mean loss.
        Assert.True(ensemble.Loss <= (first.Loss + second.Loss) / 2 + 1e-6, $"{ensemble.Loss} against {first.Loss}, {second.Loss}");
        // A model ensembled with itself is that model.
        var doubled = SequenceScore.Evaluate([_first, _first], _ids, CPU, Batch, Steps);
        Assert.Equal(first.Loss, doubled.Loss, 5);
        Assert.Equal(first.Error, doubled.Error, 9);
    }
}
