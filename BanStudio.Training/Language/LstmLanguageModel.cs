using BanStudio.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BanStudio.Training.Language;

/// <summary>The network of <see cref="LstmSpec"/> (Zaremba et al. 2014, with Press &amp; Wolf's weight tying).</summary>
public sealed class LstmLanguageModel : LanguageModel
{
    readonly Embedding encoder;
    readonly UniformDropout drop;
    readonly LSTM rnn;
    readonly nn.Module<Tensor, Tensor> decoder;
    readonly LstmSpec _spec;

    public LstmLanguageModel(LstmSpec spec, int vocabulary, Device? device) : base(spec.DisplayName)
    {
        _spec = spec;
        VocabularySize = vocabulary;
        encoder = nn.Embedding(vocabulary, spec.Embedding, device: device);
        drop = new UniformDropout(spec.Dropout);
        // nn.LSTM's own dropout acts between layers only; the embedding output and the last layer's
        // output go through `drop` as well, which makes Zaremba's "dropout on non-recurrent connections".
        rnn = nn.LSTM(spec.Embedding, spec.Units, spec.Layers, dropout: spec.Layers > 1 ? spec.Dropout : 0, device: device);
        decoder = spec.TieWeights
            ? new TiedDecoder(() => encoder.weight!, vocabulary, device)
            : nn.Linear(spec.Units, vocabulary, device: device);
        RegisterComponents();
    }

    public override int VocabularySize { get; }
    public override nn.Module<Tensor, Tensor> Stem => encoder;
    public override nn.Module<Tensor, Tensor> Classifier => decoder;
    public Embedding Encoder => encoder;

    public override (Tensor Logits, RecurrentState State) Forward(Tensor words, RecurrentState? state)
    {
        using var scope = NewDisposeScope();
        var x = drop.forward(encoder.forward(words));
        var (output, hidden, cell) = rnn.forward(x, state is null ? null : (state.Hidden, state.Cell));
        var logits = decoder.forward(drop.forward(output));
        return (logits.MoveToOuterDisposeScope(), new RecurrentState(hidden.MoveToOuterDisposeScope(), cell.MoveToOuterDisposeScope()));
    }

    public override void Initialise(Generator? generator)
    {
        using var noGrad = no_grad();
        foreach (var p in parameters()) p.uniform_(-_spec.InitRange, _spec.InitRange, generator);
        if (decoder is TiedDecoder tied) tied.Bias.zero_();
        else if (decoder is Linear linear) linear.bias!.zero_();
    }
}
