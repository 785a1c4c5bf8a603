using System.Diagnostics;
using BanStudio.Web.Cli;

namespace BanStudio.Tests.Cli;

/// <summary>Runs the CLI in this process, as <c>dotnet run --project BanStudio.Web -- ARGS</c> would, and keeps what it printed.</summary>
public static class CliRun
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// The app (this test build's BanStudio.Web.dll) as a process of its own, <c>dotnet BanStudio.Web.dll ARGS</c>, its
    /// output and error redirected: for what only a real process shows (exit codes, signals, native libraries loaded at
    /// start-up).
    /// </summary>
    public static ProcessStartInfo Process(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "BanStudio.Web.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        return start;
    }
    /// <summary>Runs a <see cref="Process(string[])"/> (its environment set as the test needs) to its end, at most 3 minutes.</summary>
    public static async Task<(int Code, string Out, string Err)> RunProcessAsync(ProcessStartInfo start)
    {
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output, await error);
    }
}
