using BanStudio.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BanStudio.Training.Language;

/// <summary>
/// A highway layer (Srivastava et al. 2015) as Kim et al. use it on the word vector:
/// z = t * relu(W_H y + b_H) + (1 - t) * y with the transform gate t = sigmoid(W_T y + b_T), b_T starting at -2
/// so that early in training the layer mostly carries y through.
/// </summary>
public sealed class Highway : nn.Module<Tensor, Tensor>
{
    readonly Linear transform, gate;

    public Highway(int size, Device? device) : base(nameof(Highway))
    {
        transform = nn.Linear(size, size, device: device);
        gate = nn.Linear(size, size, device: device);
        RegisterComponents();
    }

    public Linear Gate => gate;

    public override Tensor forward(Tensor y)
    {
        using var scope = NewDisposeScope();
        var t = gate.forward(y).sigmoid();
        return (t * transform.forward(y).relu() + (1 - t) * y).MoveToOuterDisposeScope();
    }
}

/// <summary>The network of <see cref="CnnLstmSpec"/> (Kim et al. 2016, "Character-Aware Neural Language Models").</summary>
public sealed class CnnLstmLanguageModel : LanguageModel
{
    readonly Embedding charEmbedding;
    readonly ModuleList<Conv1d> convolutions;
    readonly ModuleList<Highway> highways;
    readonly LSTM rnn;
    readonly UniformDropout drop;
    readonly Linear decoder;
    /// <summary>[vocabulary, width] character ids of every word: a buffer, saved with the weights, never trained.</summary>
    readonly Tensor chars;
    readonly CnnLstmSpec _spec;

    public CnnLstmLanguageModel(CnnLstmSpec spec, int vocabulary, Device? device) : base(spec.DisplayName)
    {
        _spec = spec;
        VocabularySize = vocabulary;
        charEmbedding = nn.Embedding(CharacterTable.Alphabet, spec.CharEmbedding, device: device);
        convolutions = nn.ModuleList(Enumerable.Range(1, spec.MaxWidth)
            .Select(w => nn.Conv1d(spec.CharEmbedding, spec.Filters(w), w, device: device)).ToArray());
        highways = nn.ModuleList(Enumerable.Range(0, spec.HighwayLayers).Select(_ => new Highway(spec.WordFeatures, device)).ToArray());
        rnn = nn.LSTM(spec.WordFeatures, spec.Units, spec.Layers, dropout: spec.Layers > 1 ? spec.Dropout : 0, device: device);
        drop = new UniformDropout(spec.Dropout);
        decoder = nn.Linear(spec.Units, vocabulary, device: device);
        chars = zeros(vocabulary, CharacterTable.Width(spec.MaxWordLength), ScalarType.Int64, device: device);
        RegisterComponents();
    }

    public override int VocabularySize { get; }
    public override nn.Module<Tensor, Tensor> Stem => charEmbedding;
    public override nn.Module<Tensor, Tensor> Classifier => decoder;
    public Tensor Characters => chars;

    public override void UseVocabulary(Vocabulary vocabulary)
    {
        if (vocabulary.Count != VocabularySize)
            throw new ArgumentException($"the model was built for {VocabularySize} words, the vocabulary has {vocabulary.Count}", nameof(vocabulary));
        using var table = CharacterTable.Build(vocabulary.Words, _spec.MaxWordLength);
        using var noGrad = no_grad();
        chars.copy_(table);
    }

    /// <summary>The word vectors [T, B, features] of Kim et al.'s character CNN and highway layers.</summary>
    public Tensor WordVectors(Tensor words)
    {
        using var scope = NewDisposeScope();
        var c = chars.index_select(0, words.flatten());                  // [N, width]
        var e = charEmbedding.forward(c).transpose(1, 2);                 // [N, charEmbedding, width]
        var pooled = convolutions.Select(conv => conv.forward(e).tanh().amax([2])).ToList(); // max over time
        var y = cat(pooled, 1);
        foreach (var highway in highways) y = highway.forward(y);
        return y.view(words.shape[0], words.shape[1], -1).MoveToOuterDisposeScope();
    }

    public override (Tensor Logits, RecurrentState State) Forward(Tensor words, RecurrentState? state)
    {
        using var scope = NewDisposeScope();
        var (output, hidden, cell) = rnn.forward(WordVectors(words), state is null ? null : (state.Hidden, state.Cell));
        var logits = decoder.forward(drop.forward(output));
        return (logits.MoveToOuterDisposeScope(), new RecurrentState(hidden.MoveToOuterDisposeScope(), cell.MoveToOuterDisposeScope()));
    }

    public override void Initialise(Generator? generator)
    {
        using var noGrad = no_grad();
        foreach (var p in parameters()) p.uniform_(-_spec.InitRange, _spec.InitRange, generator);
        foreach (var h in highways) h.Gate.bias!.fill_(-2);
        decoder.bias!.zero_();
    }
}
