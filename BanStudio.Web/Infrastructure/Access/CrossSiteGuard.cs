namespace BanStudio.Web.Infrastructure.Access;

/// <summary>
/// Refuses requests that change something (any method but GET, HEAD, OPTIONS) when a browser says they come
/// from another site. Without this, any web page a researcher opens could queue trainings on the app at
/// 127.0.0.1 with a "simple" cross-origin POST, which needs no CORS preflight. Clients that are not browsers
/// (curl, scripts, notebooks) send neither header and are unaffected.
/// </summary>
public static class CrossSiteGuard
{
    public static void Use(WebApplication app) => app.Use(async (context, next) =>
    {
        if (Refusal(context.Request) is { } reason)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync(reason);
            return;
        }
        await next();
    });

    /// <summary>Why a request is refused, or null. Same-site is refused too: other ports on localhost are "same site".</summary>
    public static string? Refusal(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)) return null;
        string? fetchSite = request.Headers["Sec-Fetch-Site"];
        if (fetchSite is "cross-site" or "same-site")
            return $"Refused: a {fetchSite} {request.Method} from a page of another origin. Use the BanStudio pages, or call the API without a browser.";
        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin)) return null;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            || !string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase))
            return $"Refused: a {request.Method} from the page origin {origin}, not this app ({request.Host}). Use the BanStudio pages, or call the API without a browser.";
        return null;
    }
}
