using System.CommandLine;

namespace BanStudio.Web.Cli;

/// <summary>
/// The headless verbs (<c>models</c>, <c>train</c>, <c>run</c>, <c>datasets</c>, <c>bench</c>, <c>outputs</c>, <c>compare</c>) and, with no verb, the web app.
/// Arguments the parser does not know (e.g. ASP.NET's <c>--urls</c>) go to the web host.
/// </summary>
public static class CliApp
{
    public static Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        // BANSTUDIO_LIBTORCH: an installed libtorch (a PyTorch install's torch/lib) instead of the bundled one; it must
        // be loaded before TorchSharp's first call, so before anything else touches torch.
        try { BanStudio.Training.Training.LibTorchFolder.LoadFromSetting(); }
        catch (BanStudio.Training.Training.LibTorchFolderException e)
        {
            (error ?? Console.Error).WriteLine(e.Message);
            return Task.FromResult(2);
        }
        // One libtorch thread per physical core for every verb and the app (bench --threads overrides it). This is
        // TorchSharp's first call: where no libtorch can be found, say what to do instead of TorchSharp's package hint.
        try { BanStudio.Training.Training.TorchThreads.UsePhysicalCores(); }
        catch (TypeInitializationException e) when (e.InnerException is NotSupportedException)
        {
            (error ?? Console.Error).WriteLine(
                "TorchSharp found no libtorch to load. A build with -p:TorchBackend=external carries none: set " +
                $"{BanStudio.Training.Training.LibTorchFolder.Variable} to a PyTorch install's torch/lib. ({e.InnerException.Message.Split('\n')[0]})");
            return Task.FromResult(2);
        }
        // oneDNN's convolutions off where they compute wrong values (a CPU that reports no cache sizes), or as
        // BANSTUDIO_ONEDNN says: decided here so that a value it does not understand stops every verb and the app at once.
        try { BanStudio.Training.Training.CpuConvolutions.Configure(); }
        catch (ArgumentException e)
        {
            (error ?? Console.Error).WriteLine(e.Message);
            return Task.FromResult(2);
        }
        // Freed tensor memory stays in the heap for the next step instead of page-faulting back in every step.
        BanStudio.Training.Training.NativeHeap.KeepFreedBlocks();
        var root = BuildRoot(output ?? Console.Out, error ?? Console.Error);
        // Parse errors and --help go to the same writers as the verbs' own output (a caller that captures them sees them).
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = CancelGrace, Output = output ?? Console.Out, Error = error ?? Console.Error };
        return root.Parse(args).InvokeAsync(invocation);
    }

    /// <summary>
    /// Ctrl+C (SIGINT) and SIGTERM cancel the verb's token; the verb then stops at the next batch, records the run as
    /// cancelled (resumable), prints where things stand and exits 130. System.CommandLine's default gives a verb 2 s
    /// before it ends the process itself, which cut that short: the last line and the cancelled status were lost.
    /// </summary>
    public static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(30);

    static RootCommand BuildRoot(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("BanStudio: a workbench for Born-Again Networks. With no verb, starts the web app.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.SetAction((parse, ct) => WebApp.RunAsync(parse.UnmatchedTokens.ToArray(), ct));
        root.Subcommands.Add(ModelsVerb.Create(output));
        root.Subcommands.Add(TrainVerb.Create(output, error));
        root.Subcommands.Add(RunVerb.Create(output, error));
        root.Subcommands.Add(DatasetsVerb.Create(output, error));
        root.Subcommands.Add(BenchVerb.Create(output, error));
        root.Subcommands.Add(OutputsVerb.Create(output, error));
        root.Subcommands.Add(CompareVerb.Create(output, error));
        return root;
    }
}
