using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Serialization;
using BanStudio.Tests.Browser;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using BanStudio.Web;
using BanStudio.Web.Infrastructure.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Microsoft.Playwright.Assertions;

namespace BanStudio.Tests.BadInput;

/// <summary>
/// On an address other machines can reach, the app needs an access token the user configured: without one it
/// will not start; with one, pages, API, hub and static files all require it.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class AccessTokenTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    const string Token = "test-token-0123456789abcdef";
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://127.8.9.10:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:80", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://192.168.1.20:5080", false)]
    [InlineData("https://studio.example.org", false)]
    public void Only_loopback_addresses_count_as_private(string url, bool loopback) =>
        Assert.Equal(loopback, AccessControl.IsLoopback(url));

    WebApplication Build(string urls, string? token) => WebApp.Build([], builder =>
    {
        builder.WebHost.UseUrls(urls);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Studio:DatabasePath"] = Path.Combine(_folder.Path, "studio.db"),
            ["Studio:RunsDirectory"] = Path.Combine(_folder.Path, "runs"),
            ["Studio:AccessToken"] = token,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
    });

    [Theory]
    [InlineData("http://0.0.0.0:0", null, "without an access token")]
    [InlineData("http://127.0.0.1:0;http://*:0", null, "http://*:0")]
    [InlineData("http://0.0.0.0:0", "short", "at least 16")]
    public void Without_a_strong_token_the_app_refuses_a_non_loopback_address_and_says_why(string urls, string? token, string reason)
    {
        var refused = Assert.Throws<StartupRefusedException>(() => Build(urls, token));
        Assert.Contains(reason, refused.Message);
        Assert.Contains("Studio:AccessToken", refused.Message);
    }

    [Fact]
    public async Task The_started_process_exits_with_code_2_and_the_reason_when_told_to_listen_on_every_interface_without_a_token()
    {
        var start = BanStudio.Tests.Cli.CliRun.Process("--urls", "http://0.0.0.0:0");
        start.WorkingDirectory = _folder.Path;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("BanStudio did not start: BanStudio will not listen on http://0.0.0.0:0 without an access token", await error);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "banstudio.db")));
    }

    [Fact]
    public async Task With_a_token_on_every_interface_the_API_hub_and_pages_require_it()
    {
        await using var app = Build("http://0.0.0.0:0", Token);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single().Replace("0.0.0.0", "127.0.0.1"));
        using var anonymous = new HttpClient { BaseAddress = address };
        using var holder = new HttpClient { BaseAddress = address };
        holder.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        foreach (var path in new[] { "/", "/models", "/api/experiments", "/openapi/v1.json", "/_framework/blazor.web.js" })
        {
            using var refused = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("needs its access token", await refused.Content.ReadAsStringAsync());
        }
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/experiments"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrong)).StatusCode);
        }
        string spec = StudioHost.TinySpec("guarded", generations: 1);
        using (var post = await anonymous.PostAsync("/api/experiments", new StringContent(spec, Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        Assert.Equal("[]", await holder.GetStringAsync("/api/experiments"));

        // A stale cookie (the token was changed) does not shadow the right ?access_token=, which replaces it.
        using (var stale = new HttpRequestMessage(HttpMethod.Get, $"/api/experiments?{AccessTokenHandler.QueryName}={Token}"))
        {
            stale.Headers.Add("Cookie", $"{AccessTokenHandler.CookieName}=old-token-0123456789");
            using var answer = await anonymous.SendAsync(stale);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Contains(answer.Headers.GetValues("Set-Cookie"), c => c.StartsWith($"{AccessTokenHandler.CookieName}={Token}", StringComparison.Ordinal));
        }

        // The hub: refused without the token, served with it.
        var stranger = new HubConnectionBuilder().WithUrl(new Uri(address, "/hubs/training")).Build();
        var denied = await Assert.ThrowsAsync<HttpRequestException>(() => stranger.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/hubs/training"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(Token))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)
            .Build();
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", 1);

        // The browser: a 401 page, then the token once in the address, then a cookie for everything else (the circuit included).
        var page = await chromium.Context.NewPageAsync();
        var first = await page.GotoAsync(address.ToString());
        Assert.Equal(401, first!.Status);
        await Expect(page.GetByText("needs its access token")).ToBeVisibleAsync();
        await page.GotoAsync(new Uri(address, $"/?access_token={Token}").ToString());
        await page.WaitForFunctionAsync("() => window.Blazor !== undefined && document.querySelector('.mud-layout') !== null");
        using (var submitted = await holder.PostAsync("/api/experiments", new StringContent(spec, Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        // The row appears through the dashboard's timer: the interactive circuit was let through with the cookie.
        await DashboardPage.WaitForAsync(page, "guarded", "r => r.total === 2");
        var models = await page.GotoAsync(new Uri(address, "/models").ToString());
        Assert.Equal(200, models!.Status);
        await Expect(page.GetByText("WRN-28-10")).ToBeVisibleAsync();
        await page.CloseAsync();
        await app.StopAsync();
    }
}
