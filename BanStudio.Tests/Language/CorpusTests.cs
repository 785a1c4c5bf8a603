using BanStudio.Tests.Data;
using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Language;

namespace BanStudio.Tests.Language;

public sealed class CorpusTests
{
    [Fact]
    public void Lines_become_words_with_eos_at_each_line_end_and_ptb_tokens_stay_ordinary_words()
    {
        // PTB's lines start with a space; numbers are "N", rare words "<unk>"; a blank line is no sentence.
        var tokens = CorpusReader.Tokenize(" the <unk> rose N points \n\n  a  cat \r\n");
        Assert.Equal(["the", "<unk>", "rose", "N", "points", "<eos>", "a", "cat", "<eos>"], tokens);
    }

    [Fact]
    public void Vocabulary_comes_from_training_ordered_by_frequency_and_unseen_words_become_unk()
    {
        var vocabulary = Vocabulary.Build(CorpusReader.Tokenize(" b a b \n c b a \n"));
        // b x3, a x2, <eos> x2 (a first), c x1, then <unk> added because training never shows it.
        Assert.Equal(["b", "a", "<eos>", "c", "<unk>"], vocabulary.Words);
        var ids = vocabulary.Encode(["a", "zebra", "c", "<eos>"], out int unknown);
        Assert.Equal([1, 4, 3, 2], ids);
        Assert.Equal(1, unknown);
    }

    [Fact]
    public void A_ptb_folder_reads_three_splits_and_accepts_the_partial_training_file()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("ptb.train.partial.txt"), " a b <unk> \n b N \n");
        File.WriteAllText(folder.File("ptb.valid.txt"), " b a \n");
        File.WriteAllText(folder.File("ptb.test.txt"), " N new \n");

        var corpus = PtbFolder.Load(folder.Path);

        Assert.Equal(7, corpus.Train.Length);
        Assert.Equal(["b", "<eos>", "a", "<unk>", "N"], corpus.Vocabulary.Words);
        Assert.Equal([0, 2, 1], corpus.Valid);
        Assert.Equal([4, 3, 1], corpus.Test); // "new" never appears in training
        Assert.Equal(1, corpus.UnknownWords);
        Assert.Contains("ptb.train.partial.txt", corpus.Note);
    }

    [Fact]
    public void The_whole_training_file_wins_over_the_partial_one()
    {
        using var folder = new TempFolder();
        string data = folder.Sub(Path.Combine("simple-examples", "data"));
        File.WriteAllText(Path.Combine(data, "ptb.train.txt"), " a a a \n");
        File.WriteAllText(Path.Combine(data, "ptb.train.partial.txt"), " b \n");
        File.WriteAllText(Path.Combine(data, "ptb.valid.txt"), " a \n");
        File.WriteAllText(Path.Combine(data, "ptb.test.txt"), " a \n");

        var corpus = PtbFolder.Load(folder.Path); // found in the tarball's layout below the given folder
        Assert.Equal("a", corpus.Vocabulary[0]);
        Assert.Null(corpus.Note);
    }

    [Fact]
    public void Missing_empty_and_binary_files_are_reported_with_their_path()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("ptb.train.txt"), " a b \n");
        File.WriteAllText(folder.File("ptb.valid.txt"), " a \n");
        var missing = Assert.Throws<DatasetFileException>(() => PtbFolder.Load(folder.Path));
        Assert.Equal(folder.File("ptb.test.txt"), missing.Path);

        File.WriteAllText(folder.File("ptb.test.txt"), "");
        var empty = Assert.Throws<DatasetFileException>(() => PtbFolder.Load(folder.Path));
        Assert.Equal(folder.File("ptb.test.txt"), empty.Path);
        Assert.Contains("empty", empty.Message);

        File.WriteAllBytes(folder.File("ptb.test.txt"), [0x20, 0x61, 0x00, 0x0a]);
        var binary = Assert.Throws<DatasetFileException>(() => PtbFolder.Load(folder.Path));
        Assert.Contains("NUL", binary.Message);
        Assert.Contains(folder.File("ptb.test.txt"), binary.Message);

        using var none = new TempFolder();
        var noTrain = Assert.Throws<DatasetFileException>(() => PtbFolder.Load(none.Path));
        Assert.Contains("ptb.train.partial.txt", noTrain.Message);
    }

    [Fact]
    public void The_real_ptb_files_have_the_mikolov_quirks()
    {
        if (RealPtb.Folder is not { } folder) return; // no shared data on this machine

        var valid = CorpusReader.ReadFile(Path.Combine(folder, "ptb.valid.txt"));
        var lines = File.ReadAllLines(Path.Combine(folder, "ptb.valid.txt"));
        Assert.All(lines.Take(50), l => Assert.StartsWith(" ", l)); // every line starts with a space
        Assert.Equal(lines.Length, valid.Count(t => t == "<eos>")); // one <eos> per line
        Assert.Equal(73_760, valid.Count); // the standard 73,760 validation words (with <eos>)
        Assert.Contains("<unk>", valid);
        Assert.Contains("N", valid);
        Assert.DoesNotContain(valid, t => t != "N" && t.Any(char.IsUpper)); // lower-cased, "N" the only capital

        var corpus = PtbFolder.Load(folder);
        Assert.Equal(82_430, corpus.Test.Length);
        // The whole training file has exactly 10,000 words; the partial one shows fewer, the rest are read as <unk>.
        Assert.InRange(corpus.Vocabulary.Count, 9_000, 10_000);
        if (corpus.Vocabulary.Count == 10_000) Assert.Equal(0, corpus.UnknownWords);
        else Assert.True(corpus.UnknownWords > 0, "a partial training file leaves validation/test words unseen");
        Assert.Equal("<unk>", corpus.Vocabulary[corpus.Vocabulary.Find("<unk>")!.Value]);
        Assert.True(corpus.Vocabulary.Find("the") < 3, "'the' is among PTB's most frequent words");
    }

    [Fact]
    public void The_builtin_text_is_seeded_and_has_fixed_evaluation_splits()
    {
        var a = BuiltinText.Generate(seed: 3, trainSentences: 200);
        var b = BuiltinText.Generate(seed: 3, trainSentences: 400);
        // More sentences extend the same text (ids may differ: the vocabulary is ordered by frequency).
        Assert.Equal(a.Train.Select(i => a.Vocabulary[i]), b.Train[..a.Train.Length].Select(i => b.Vocabulary[i]));
        Assert.Equal(a.Valid.Select(i => a.Vocabulary[i]), b.Valid.Select(i => b.Vocabulary[i]));
        Assert.All(a.Vocabulary.Words, w => Assert.NotNull(b.Vocabulary.Find(w)));
        Assert.NotEqual(a.Train, BuiltinText.Generate(seed: 4, trainSentences: 200).Train);
        Assert.InRange(a.Vocabulary.Count, 30, 80);
        Assert.Contains("<unk>", a.Vocabulary.Words);
    }

    [Fact]
    public void Text_dataset_specs_name_the_bad_field()
    {
        var errors = new DatasetSpec(TextDatasets.Ptb, Path: "/no/such/folder", TrainLimit: 5).Validate();
        Assert.Contains(errors, e => e.Field == "dataset.path" && e.Message.Contains("/no/such/folder"));
        Assert.Contains(errors, e => e.Field == "dataset.trainLimit");
        Assert.Contains(new DatasetSpec(TextDatasets.Ptb, Seed: 2).Validate(), e => e.Field == "dataset.seed");
        Assert.Contains(new DatasetSpec(TextDatasets.BuiltinText, TestSize: 5).Validate(), e => e.Field == "dataset.testSize");
        Assert.Empty(new DatasetSpec(TextDatasets.BuiltinText, Seed: 2, TrainSize: 100, TrainLimit: 500).Validate());
        var kind = new DatasetSpec("ptbx").Validate();
        Assert.Contains("ptb", Assert.Single(kind).Message);
    }

    [Fact]
    public void Limits_cut_the_streams_but_keep_the_vocabulary()
    {
        var spec = new DatasetSpec(TextDatasets.BuiltinText, TrainSize: 300, TrainLimit: 1000, TestLimit: 200);
        var corpus = TextDatasets.Load(spec);
        var whole = BuiltinText.Generate(0, 300);
        Assert.Equal(whole.Train[..1000], corpus.Train);
        Assert.Equal(200, corpus.Valid.Length);
        Assert.Equal(200, corpus.Test.Length);
        Assert.Equal(whole.Vocabulary.Words, corpus.Vocabulary.Words);
    }
}
