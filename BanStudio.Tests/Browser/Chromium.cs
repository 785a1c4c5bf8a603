using BanStudio.Tests.Data;
using Microsoft.Playwright;

namespace BanStudio.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright, one per test class: headless, sandbox off (CI runs as root),
/// no background traffic, a fresh profile in a temp folder. Playwright never downloads a browser here:
/// test.sh installs the <c>chromium</c> package when /usr/bin/chromium is missing.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    static readonly string[] Arguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ];

    readonly TempFolder _profile = new();
    IPlaywright? _playwright;

    public IBrowserContext Context { get; private set; } = null!;

    /// <summary>Where the run's screenshots go: BANSTUDIO_SCREENSHOTS, else screenshots/ in the test output.</summary>
    public static string ScreenshotFolder { get; } = Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("BANSTUDIO_SCREENSHOTS") is { Length: > 0 } folder
            ? folder : Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} is missing: install Debian's chromium (`apt-get install chromium`); `bash test.sh` does it");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Context = await _playwright.Chromium.LaunchPersistentContextAsync(_profile.Path, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Arguments,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            AcceptDownloads = true,
        });
        // Blazor Server renders over a WebSocket; a slow CI machine needs more than Playwright's 30 s default
        // while a training shares its two cores.
        Context.SetDefaultTimeout(90_000);
        // Expect(...) waits 5 s by default: too short for a page that shows a training's next state on a loaded CI machine.
        Assertions.SetDefaultExpectTimeout(60_000);
    }

    public async Task<IPage> OpenAsync(Uri address)
    {
        var page = await Context.NewPageAsync();
        await GoToAsync(page, address);
        return page;
    }

    /// <summary>
    /// Loads the page and waits for its interactive circuit: the prerendered HTML looks the same, but clicks and timers
    /// do nothing there, and text typed into it is lost when the circuit attaches and renders afresh (a wizard test
    /// on a loaded machine filled a size before that and found the field empty).
    /// </summary>
    public static async Task GoToAsync(IPage page, Uri address)
    {
        await page.GotoAsync(address.ToString());
        await page.Locator("[data-testid=app-interactive][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    /// <summary>
    /// Saves the whole page as <paramref name="name"/>.png, then checks that it fits the window's width: every page is
    /// laid out for 1280 px, and a page that scrolls sideways hides what is at its right (a long device line once
    /// pushed the dashboard's buttons off it).
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
        var width = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(width[0] <= width[1], $"{name}: the page is {width[0]} px wide in a {width[1]} px window (it scrolls sideways)");
    }

    public async Task DisposeAsync()
    {
        if (Context is not null) await Context.CloseAsync();
        _playwright?.Dispose();
        _profile.Dispose();
    }
}
