using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace BanStudio.Web.Infrastructure.Access;

/// <summary>
/// One shared secret, presented as <c>Authorization: Bearer TOKEN</c> (scripts, the .NET SignalR client), as
/// <c>?access_token=TOKEN</c> (the first page a browser opens, and JavaScript SignalR clients, which cannot set
/// headers on a WebSocket) or as the HttpOnly cookie set after that first page. Compared in constant time.
/// </summary>
public sealed class AccessTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger, UrlEncoder encoder, IOptions<StudioOptions> studio)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "BanStudioToken";
    public const string CookieName = "banstudio_token";
    public const string QueryName = "access_token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization.ToString() is { } h && h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? h["Bearer ".Length..].Trim() : null;
        string? cookie = Request.Cookies[CookieName];
        string? query = Request.Query[QueryName].FirstOrDefault();
        // The query before the cookie: after the token changes, opening ?access_token=NEW must replace a stale cookie.
        string? presented = header ?? query ?? cookie;
        if (string.IsNullOrEmpty(presented)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!Matches(presented)) return Task.FromResult(AuthenticateResult.Fail("the access token does not match Studio:AccessToken"));

        // A browser shows the token in the address bar once; afterwards the cookie carries it (also to the Blazor circuit).
        if (header is null && presented != cookie && !Response.HasStarted)
            Response.Cookies.Append(CookieName, presented, new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = Request.IsHttps, Path = "/", IsEssential = true,
            });
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "access token holder")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    bool Matches(string presented)
    {
        var expected = Encoding.UTF8.GetBytes(studio.Value.AccessToken ?? "");
        var given = Encoding.UTF8.GetBytes(presented);
        return expected.Length > 0 && CryptographicOperations.FixedTimeEquals(expected, given);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        Response.ContentType = "text/plain; charset=utf-8";
        await Response.WriteAsync("BanStudio needs its access token (Studio:AccessToken in the app's settings): send " +
                                  "'Authorization: Bearer TOKEN', or open this address once with ?access_token=TOKEN.\n");
    }
}
