using System.Globalization;
using System.Text.RegularExpressions;
using BanStudio.Training.Training;
using BanStudio.Web.Cli;

namespace BanStudio.Tests.Cli;

/// <summary>The bench verb on the smallest preset: its output's shape and its refusals, not its timings.</summary>
[Collection(TorchCollection.Name)]
public sealed class BenchVerbTests
{
    [Theory]
    [InlineData("WRN-16-5")]
    [InlineData("LSTM-3x200")]
    public async Task An_unknown_model_is_refused_with_the_names_that_exist(string name)
    {
        var (code, output, error) = await CliRun.RunAsync("bench", "--model", name);
        Assert.Equal(2, code);
        Assert.Contains($"no preset is called \"{name}\"", error);
        Assert.Contains("WRN-16-4", error);
        Assert.Contains("DenseNet-BC-40-12", error);
        Assert.Contains("LSTM-2x200", error);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("WRN-10-1", "half8", "is not one of float32, bfloat16, float16")]
    [InlineData("LSTM-2x200", "bfloat16", "the language models train in float32 only")]
    public async Task A_precision_that_cannot_run_is_refused_before_anything_trains(string model, string precision, string message)
    {
        var (code, output, error) = await CliRun.RunAsync("bench", "--model", model, "--precision", precision);
        Assert.Equal(2, code);
        Assert.Contains($"--precision: ", error);
        Assert.Contains(message, error);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task A_tf32_setting_other_than_on_or_off_is_refused_naming_the_option()
    {
        var (code, output, error) = await CliRun.RunAsync("bench", "--model", "WRN-10-1", "--tf32", "yes");
        Assert.Equal(2, code);
        Assert.Contains("--tf32: \"yes\" is not on or off", error);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Bench_in_bfloat16_says_so_and_trains()
    {
        var (code, output, error) = await CliRun.RunAsync("bench", "--model", "WRN-10-1", "--batch", "16", "--steps", "2", "--repeats", "1", "--warmup", "1", "--precision", "bfloat16");
        Assert.True(code == 0, error);
        Assert.Contains(", bfloat16, ", output.Split('\n')[0]);
        Assert.Matches(@"\d+\.\d images/s  WRN-10-1", output);
        Assert.Matches(@"BAN step \d+\.\d\dx", output);
    }

    [Fact]
    public async Task Bench_prints_images_per_second_the_ban_step_ratio_the_loader_and_peak_memory()
    {
        var (code, output, error) = await CliRun.RunAsync("bench", "--model", "WRN-10-1", "--batch", "16", "--steps", "2", "--repeats", "3", "--warmup", "1");
        Assert.True(code == 0, error);
        var lines = output.Split('\n');
        Assert.Equal(3, lines.Count(l => l.TrimStart().StartsWith("repeat ", StringComparison.Ordinal)));
        var headline = Regex.Match(output, @"^(\d+\.\d) images/s  WRN-10-1 label-only training step, median of 3", RegexOptions.Multiline);
        Assert.True(headline.Success, output);
        // The headline is the median of the three repeats printed above it.
        var repeats = Regex.Matches(output, @"label-only (\d+\.\d) images/s, BAN").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal(repeats[1], double.Parse(headline.Groups[1].Value, CultureInfo.InvariantCulture), 1);
        Assert.Matches(@"BAN step \d+\.\d\dx a label-only step", output);
        Assert.Matches(@"cpu \d+\.\d\d ms per image", output);
        Assert.Matches(@"loader alone \d+ images/s", output);
        Assert.Matches(@"peak memory [1-9]\d* MiB resident", output);
        Assert.Contains($"CPU ({TorchThreads.PhysicalCores()} threads", output);
    }

    [Fact]
    public async Task The_lstm_language_model_bench_prints_tokens_per_second_its_parameters_and_the_ban_step()
    {
        var (code, output, error) = await CliRun.RunAsync("bench", "--model", "LSTM-2x200", "--batch", "4", "--steps", "1", "--repeats", "1", "--warmup", "0");
        Assert.True(code == 0, error);
        Assert.Contains("35-word windows of random ids, vocabulary 10,000", output);
        // The PTB vocabulary and the preset's tied 2x200 LSTM: the count pytorch_bench.py must print too.
        Assert.Contains("parameters 2,653,200", output);
        var headline = Regex.Match(output, @"^(\d+\.\d) tokens/s  LSTM-2x200 label-only training step, median of 1 \((\d+) ms a step\)", RegexOptions.Multiline);
        Assert.True(headline.Success, output);
        Assert.True(double.Parse(headline.Groups[1].Value, CultureInfo.InvariantCulture) > 0, output);
        Assert.Matches(@"label-only \d+\.\d tokens/s, BAN \d+\.\d tokens/s", output);
        Assert.Matches(@"cpu \d+\.\d\d ms per 1000 tokens", output);
        Assert.Matches(@"BAN step \d+\.\d\dx a label-only step \(\d+\.\d tokens/s; in processor time \d+\.\d\dx; BAN\+L", output);
        Assert.Matches(@"peak memory [1-9]\d* MiB resident", output);
        Assert.DoesNotContain("images/s", output);
    }

    [Theory]
    [InlineData(-1e-7, "+0.0")]   // a tiny shrink rounds to zero: once printed "-+0.0" and broke the growth line
    [InlineData(-0.0004, "+0.0")]
    [InlineData(-0.0006, "-0.1")]
    [InlineData(0.044, "+4.4")]
    [InlineData(-0.05, "-5.0")]
    [InlineData(0, "+0.0")]
    public void Growth_is_printed_as_a_signed_percentage(double fraction, string expected) =>
        Assert.Equal(expected, BenchVerb.SignedPercent(fraction));

    [Fact]
    public async Task Memory_mode_prints_one_line_per_epoch_and_the_growth()
    {
        var (code, output, error) = await CliRun.RunAsync("bench", "--epochs-memory", "3", "--batch", "128");
        Assert.True(code == 0, error);
        var epochs = output.Split('\n').Select(l => Regex.Match(l, @"^\s+[123]\s+\d+ MiB\s+(\d+) KiB\s+(\d+) KiB\s+\d+$")).Where(m => m.Success).ToList();
        Assert.Equal(3, epochs.Count);
        // The reachable objects (what survives a compacting collection) are real and, taken right after a full
        // collection, close to the heap's size (not exactly at or below it: in the test process other tests allocate
        // between the two readings).
        Assert.All(epochs, m =>
        {
            int heap = int.Parse(m.Groups[1].Value), live = int.Parse(m.Groups[2].Value);
            Assert.InRange(live, 50, heap * 1.25 + 64);
            Assert.InRange(live, heap * 0.75 - 64, int.MaxValue);
        });
        Assert.True(Regex.IsMatch(output, @"growth after epoch 2: resident [+-]\d+\.\d%, managed heap [+-]\d+\.\d%, managed live [+-]\d+\.\d%, live tensors [+-]?\d+"), output);
    }

    [Fact]
    public void Physical_cores_are_at_least_one_and_at_most_the_logical_processors()
    {
        Assert.InRange(TorchThreads.PhysicalCores(), 1, Environment.ProcessorCount);
    }
}
