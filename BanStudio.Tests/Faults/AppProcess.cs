using System.Diagnostics;
using System.Text.RegularExpressions;
using BanStudio.Tests.Web;
using BanStudio.Web.Features.Experiments;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace BanStudio.Tests.Faults;

/// <summary>
/// The app as its own OS process (<c>dotnet BanStudio.Web.dll --urls http://127.0.0.1:0</c>), so a test can
/// SIGKILL it: nothing in this process gets to run a shutdown handler, flush or close the database.
/// Settings go in as environment variables, exactly as a user would set them.
/// </summary>
public sealed partial class AppProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly List<string> _output;

    AppProcess(Process process, Uri address, List<string> output)
    {
        _process = process;
        _output = output;
        Address = address;
        Http = new HttpClient { BaseAddress = address };
    }

    public Uri Address { get; }
    public HttpClient Http { get; }
    public int Id => _process.Id;

    /// <summary>Everything the process printed so far (stdout and stderr), for failure messages.</summary>
    public string Output { get { lock (_output) return string.Join('\n', _output); } }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();

    public static async Task<AppProcess> StartAsync(string folder, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = BanStudio.Tests.Cli.CliRun.Process("--urls", "http://127.0.0.1:0");
        start.WorkingDirectory = folder;
        start.Environment["Studio__DatabasePath"] = Path.Combine(folder, "studio.db");
        start.Environment["Studio__RunsDirectory"] = Path.Combine(folder, "runs");
        start.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            if (Listening().Match(e.Data) is { Success: true } m) listening.TrySetResult(new Uri(m.Groups[1].Value));
        }
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromMinutes(1)));
        if (first != listening.Task)
        {
            if (!process.HasExited) process.Kill();
            lock (lines) throw new InvalidOperationException($"the app did not start listening:\n{string.Join('\n', lines)}");
        }
        return new AppProcess(process, await listening.Task, lines);
    }

    /// <summary>SIGKILL (what <see cref="Process.Kill()"/> sends on Unix), then waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public Task<HubConnection> ConnectHubAsync() => StudioHost.ConnectHubAsync(Address);

    public Task<int> SubmitAsync(string specJson) => StudioHost.SubmitAsync(Http, specJson);

    public Task<ExperimentDetails> GetAsync(int id) => StudioHost.GetAsync(Http, id);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
