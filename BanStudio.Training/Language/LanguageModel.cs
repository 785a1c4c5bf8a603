using BanStudio.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Language;

/// <summary>
/// The recurrent state a language model carries from one BPTT window to the next: h and c of every
/// LSTM layer, [layers, batch, units] each.
/// </summary>
public sealed record RecurrentState(Tensor Hidden, Tensor Cell) : IDisposable
{
    /// <summary>
    /// The same values cut from the graph that made them: the next window starts from them but its
    /// gradient stops here (truncated BPTT). Moved out of the current dispose scope so they outlive the window.
    /// </summary>
    public RecurrentState Detach() => new(Hidden.detach().MoveToOuterDisposeScope(), Cell.detach().MoveToOuterDisposeScope());

    public void Dispose()
    {
        Hidden.Dispose();
        Cell.Dispose();
    }
}

/// <summary>
/// A word-level language model: word ids [T, B] in, next-word logits [T, B, V] out, with the LSTM state
/// carried in and out. It is a <see cref="BanModel"/> so that specs, presets, parameter counts and
/// checkpoints treat it like the image models; its "classes" are the vocabulary. The <see cref="BanModel.Stem"/>
/// is the word (or character) embedding, the <see cref="BanModel.Classifier"/> the softmax layer.
/// </summary>
public abstract class LanguageModel(string name) : BanModel(name)
{
    public abstract int VocabularySize { get; }

    /// <summary>One window: logits [T, B, V] and the state after its last step. A null state starts from zeros.</summary>
    public abstract (Tensor Logits, RecurrentState State) Forward(Tensor words, RecurrentState? state);

    /// <summary>From a zero state (the <see cref="BanModel"/> contract: one tensor in, one out).</summary>
    public override Tensor forward(Tensor words)
    {
        var (logits, state) = Forward(words, null);
        state.Dispose();
        return logits;
    }

    /// <summary>Gives the model the words behind the ids; the CNN-LSTM spells them into characters, the LSTM needs nothing.</summary>
    public virtual void UseVocabulary(Vocabulary vocabulary) { }

    /// <summary>The initialisation of the model's paper, drawn from <paramref name="generator"/> (or the global one).</summary>
    public abstract void Initialise(Generator? generator);
}
