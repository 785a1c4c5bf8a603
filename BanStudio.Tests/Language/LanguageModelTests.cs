using BanStudio.Training.Language;
using BanStudio.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Tests.Language;

[Collection(TorchCollection.Name)]
public sealed class LanguageModelTests
{
    static Tensor Words(long[,] ids) => tensor(ids.Cast<long>().ToArray(), [ids.GetLength(0), ids.GetLength(1)], ScalarType.Int64);

    [Fact]
    public void Lstm_maps_T_by_B_words_to_T_by_B_by_V_logits_and_a_state_per_layer()
    {
        using var scope = NewDisposeScope();
        using var model = new LstmSpec(16, Layers: 2, Dropout: 0).BuildLanguageModel(50, seed: 1);
        var (logits, state) = model.Forward(randint(0, 50, [7, 3], dtype: ScalarType.Int64), null);
        Assert.Equal([7L, 3, 50], logits.shape);
        Assert.Equal([2L, 3, 16], state.Hidden.shape);
        Assert.Equal([2L, 3, 16], state.Cell.shape);
    }

    [Fact]
    public void Cnn_lstm_spells_words_into_characters_and_maps_them_to_logits()
    {
        using var scope = NewDisposeScope();
        var vocabulary = Vocabulary.Build(["a", "cat", "multibillion-dollar", "<eos>"]);
        var spec = new CnnLstmSpec(12, 2, 0) { MaxWidth = 3, FiltersPerWidth = 4, HighwayLayers = 1, MaxWordLength = 8 };
        using var model = (CnnLstmLanguageModel)spec.BuildLanguageModel(vocabulary.Count, seed: 1);
        model.UseVocabulary(vocabulary);
        Assert.Equal(CharacterTable.Encode("cat", 8), model.Characters[vocabulary.Find("cat")!.Value].data<long>().ToArray());
        var (logits, state) = model.Forward(tensor(new long[] { 0, 1, 2, 3, 4, 0 }, [3, 2]), null);
        Assert.Equal([3L, 2, vocabulary.Count], logits.shape);
        Assert.Equal([3L, 2, 4 + 8 + 12], model.WordVectors(tensor(new long[] { 0, 1, 2, 3, 4, 0 }, [3, 2])).shape);
        Assert.Equal([2L, 2, 12], state.Hidden.shape);
    }

    [Fact]
    public void Characters_have_word_markers_padding_and_are_cut_at_the_maximum_length()
    {
        Assert.Equal([1, 'c' + 3, 'a' + 3, 't' + 3, 2, 0, 0], CharacterTable.Encode("cat", 5));
        Assert.Equal([1, 'm' + 3, 'u' + 3, 'l' + 3, 2], CharacterTable.Encode("multibillion", 3));
        Assert.Equal(CharacterTable.Alphabet, 259);
    }

    [Theory]
    [InlineData(200, 2, true, 10_000, 2_653_200)]   // LSTM-2x200: 10000*200 + 2*(4*200*(200+200) + 2*4*200) + 10000
    [InlineData(1500, 1, true, 10_000, 33_022_000)] // the paper's text: 15M embedding + 18.012M LSTM + 10k bias
    [InlineData(1500, 2, true, 10_000, 51_034_000)] // Zaremba-large width, 2 layers, tied: Table 6's "52M"
    [InlineData(1500, 1, false, 10_000, 48_022_000)] // untied adds the 15M softmax weight
    public void Lstm_parameter_counts_follow_the_formula(int units, int layers, bool tied, int vocabulary, long expected)
    {
        var spec = new LstmSpec(units, layers, TieWeights: tied);
        Assert.Equal(expected, spec.CountParameters(LanguageModelSpec.ShapeFor(vocabulary)));
    }

    [Fact]
    public void The_papers_cnn_lstm_is_kim_et_al_large_with_19_million_parameters()
    {
        var spec = ModelPresets.PaperCnnLstm;
        Assert.Equal(1100, spec.WordFeatures); // 50+100+150+200+200+200+200
        long conv = Enumerable.Range(1, 7).Sum(w => (long)spec.Filters(w) * (15 * w + 1));
        long highway = 2 * 2 * (1100L * 1100 + 1100);
        long lstm = 4 * 650 * (1100 + 650 + 2) + 4 * 650 * (650 + 650 + 2);
        long expected = CharacterTable.Alphabet * 15 + conv + highway + lstm + 650 * 10_000 + 10_000;
        Assert.Equal(expected, spec.CountParameters());
        Assert.Equal(19.4, Math.Round(expected / 1e6, 1));
    }

    [Fact]
    public void Weight_tying_shares_one_tensor_between_embedding_and_softmax()
    {
        using var scope = NewDisposeScope();
        using var model = (LstmLanguageModel)new LstmSpec(8, Dropout: 0).BuildLanguageModel(20, seed: 1);
        var decoder = Assert.IsType<TiedDecoder>(model.Classifier);
        using (no_grad()) model.Encoder.weight![3, 2] = tensor(42f); // written through the embedding...
        Assert.Equal(42f, decoder.Weight[3, 2].item<float>());      // ...read through the softmax
        // Counted once: embedding 20x8 + LSTM 4*8*(8+8) + 2*4*8 + bias 20.
        Assert.Equal(20 * 8 + 4 * 8 * 16 + 64 + 20, model.parameters().Sum(p => p.numel()));
        using var optimizer = optim.SGD(model.parameters(), 1.0);
        var loss = model.forward(randint(0, 20, [5, 2], dtype: ScalarType.Int64)).sum();
        loss.backward();
        var before = model.Encoder.weight!.clone();
        optimizer.step();
        Assert.False(before.allclose(model.Encoder.weight!)); // one update moved the shared tensor
        Assert.Equal(model.Encoder.weight!.data<float>().ToArray(), decoder.Weight.data<float>().ToArray());
    }

    [Fact]
    public void Gradient_does_not_flow_into_the_previous_window_once_the_state_is_detached()
    {
        using var scope = NewDisposeScope();
        // Untied, so an embedding row gets a gradient only through the words that were read.
        using var model = new LstmSpec(8, Dropout: 0, TieWeights: false).BuildLanguageModel(20, seed: 1);
        var first = Words(new long[,] { { 1, 2 }, { 3, 4 } });  // window 1 reads words 1-4
        var second = Words(new long[,] { { 5, 6 }, { 7, 8 } }); // window 2 reads words 5-8

        var (_, state) = model.Forward(first, null);
        var (logits, _) = model.Forward(second, state.Detach());
        logits.sum().backward();
        var grad = ((LstmLanguageModel)model).Encoder.weight!.grad!;
        Assert.Equal(0, grad[TensorIndex.Slice(1, 5)].abs().sum().item<float>());   // window 1's words: nothing
        Assert.True(grad[TensorIndex.Slice(5, 9)].abs().sum().item<float>() > 0);   // window 2's words: something

        // Without the detach the same loss reaches window 1: the test above can tell the difference.
        model.zero_grad();
        var (_, attached) = model.Forward(first, null);
        var (logits2, _) = model.Forward(second, attached);
        logits2.sum().backward();
        Assert.True(((LstmLanguageModel)model).Encoder.weight!.grad![TensorIndex.Slice(1, 5)].abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Initialisation_is_uniform_in_the_init_range_and_seeded()
    {
        using var scope = NewDisposeScope();
        using var a = new LstmSpec(8, Dropout: 0) { InitRange = 0.1 }.BuildLanguageModel(30, seed: 5);
        using var b = new LstmSpec(8, Dropout: 0) { InitRange = 0.1 }.BuildLanguageModel(30, seed: 5);
        var weights = ((LstmLanguageModel)a).Encoder.weight!;
        Assert.InRange(weights.abs().max().item<float>(), 0.09f, 0.1f);
        var other = ((LstmLanguageModel)b).Encoder.weight!;
        Assert.Equal(weights.data<float>().ToArray(), other.data<float>().ToArray());
    }
}
