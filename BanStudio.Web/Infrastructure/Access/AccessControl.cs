using System.Net;
using Microsoft.AspNetCore.Authorization;

namespace BanStudio.Web.Infrastructure.Access;

/// <summary>The app refuses to start, for a reason a person can act on (printed by the CLI, exit code 2).</summary>
public sealed class StartupRefusedException(string message) : Exception(message);

/// <summary>
/// Who may use the app. BanStudio trains whatever it is sent and reads files from its data folders, so on an
/// address other machines can reach it requires an access token the user chose (Studio:AccessToken). On
/// loopback the token is optional; when set, it is required there too. With a token every endpoint — pages,
/// API, hub, static files — needs it.
/// </summary>
public static class AccessControl
{
    public const int MinTokenLength = 16;

    public static void Add(WebApplicationBuilder builder)
    {
        string? token = builder.Configuration[$"{StudioOptions.Section}:{nameof(StudioOptions.AccessToken)}"];
        var exposed = ListeningAddresses(builder).Where(a => !IsLoopback(a)).ToList();
        if (!string.IsNullOrEmpty(token) && token.Length < MinTokenLength)
            throw new StartupRefusedException(
                $"Studio:AccessToken is {token.Length} characters; use at least {MinTokenLength} (e.g. the output of `openssl rand -hex 16`).");
        if (string.IsNullOrEmpty(token))
        {
            if (exposed.Count > 0)
                throw new StartupRefusedException(
                    $"BanStudio will not listen on {string.Join(", ", exposed)} without an access token: other machines could reach it, " +
                    "and it trains whatever it is sent. Set Studio:AccessToken to a secret of at least 16 characters " +
                    "(appsettings.json, or the environment variable Studio__AccessToken), or listen on 127.0.0.1 only.");
            return;
        }
        builder.Services.AddAuthentication(AccessTokenHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AccessTokenHandler>(AccessTokenHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().SetFallbackPolicy(
            new AuthorizationPolicyBuilder(AccessTokenHandler.SchemeName).RequireAuthenticatedUser().Build());
    }

    /// <summary>Authentication and authorization, in the pipeline only when a token is configured.</summary>
    public static void Use(WebApplication app)
    {
        if (app.Services.GetService<Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider>() is null) return;
        app.UseAuthentication();
        app.UseAuthorization();
    }

    /// <summary>
    /// Every address the server is told to listen on: "urls" (appsettings, --urls, ASPNETCORE_URLS), the
    /// HTTP_PORTS / HTTPS_PORTS shortcuts (which mean every interface) and Kestrel's endpoint settings.
    /// </summary>
    public static IReadOnlyList<string> ListeningAddresses(WebApplicationBuilder builder)
    {
        var addresses = new List<string>();
        string? urls = builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey);
        if (!string.IsNullOrWhiteSpace(urls))
            addresses.AddRange(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        else
            foreach (var key in new[] { "HTTP_PORTS", "HTTPS_PORTS" })
                if (builder.Configuration[key] is { Length: > 0 } ports)
                    addresses.AddRange(ports.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => $"http://*:{p.Trim()}"));
        addresses.AddRange(builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => e["Url"]).OfType<string>());
        return addresses;
    }

    /// <summary>True for 127.0.0.0/8, ::1 and "localhost"; false for wildcards (*, +, 0.0.0.0, ::) and every other host.</summary>
    public static bool IsLoopback(string url)
    {
        // "http://*:5080" and "http://+:5080" are not valid URIs; they mean every interface.
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        string rest = scheme < 0 ? url : url[(scheme + 3)..];
        string host = rest.StartsWith('[') ? rest[1..Math.Max(1, rest.IndexOf(']'))] : rest.Split(':', '/')[0];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }
}
