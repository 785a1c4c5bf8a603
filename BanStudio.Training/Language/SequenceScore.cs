using TorchSharp;
using static TorchSharp.torch;

namespace BanStudio.Training.Language;

/// <summary>
/// Per-word loss (negative log-likelihood, nats) and next-word error of one language model or of a BAN
/// ensemble (Eq. 4 applied at every step: the members' softmax outputs averaged word by word) on one split,
/// read in order with every member's hidden state carried across windows, in eval mode and without gradients.
/// </summary>
public sealed record SequenceScore(double Loss, double Error, long Words)
{
    public double Perplexity => Math.Exp(Loss);

    public static SequenceScore Evaluate(IReadOnlyList<LanguageModel> members, IReadOnlyList<int> ids, Device device, int batchSize = 10, int steps = 35)
    {
        if (members.Count == 0) throw new ArgumentException("give at least one model", nameof(members));
        using var stream = new TokenStream(ids, batchSize, steps);
        foreach (var m in members) m.eval();
        var states = new RecurrentState?[members.Count];
        double nll = 0;
        long wrong = 0, words = 0;
        using var noGrad = no_grad();
        try
        {
            for (int w = 0; w < stream.Windows; w++)
            {
                using var scope = NewDisposeScope();
                var (input, target) = stream.Window(w);
                var x = input.to(device);
                var y = target.to(device).flatten();
                Tensor? logP = null;
                if (members.Count == 1)
                {
                    var (logits, state) = members[0].Forward(x, states[0]);
                    Carry(0, state);
                    logP = logits.view(-1, logits.shape[^1]).log_softmax(1);
                }
                else
                {
                    Tensor? sum = null;
                    for (int m = 0; m < members.Count; m++)
                    {
                        var (logits, state) = members[m].Forward(x, states[m]);
                        Carry(m, state);
                        var p = logits.view(-1, logits.shape[^1]).softmax(1);
                        sum = sum is null ? p : sum.add_(p);
                    }
                    logP = sum!.div_(members.Count).clamp_min_(1e-12).log_();
                }
                nll -= logP.gather(1, y.unsqueeze(1)).sum().item<float>();
                wrong += logP.argmax(1).ne(y).sum().item<long>();
                words += y.shape[0];
            }
        }
        finally
        {
            foreach (var s in states) s?.Dispose();
        }
        return new SequenceScore(nll / words, (double)wrong / words, words);

        void Carry(int member, RecurrentState state)
        {
            states[member]?.Dispose();
            states[member] = state.Detach();
        }
    }
}
