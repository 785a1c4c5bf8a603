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
}
