using System.Net;
using System.Net.Http.Json;
using System.Text;
using BanStudio.Tests.Data;
using BanStudio.Tests.Web;
using BanStudio.Web.Features.Experiments;

namespace BanStudio.Tests.BadInput;

/// <summary>
/// A web page on another origin cannot queue, cancel or resume trainings through the user's browser (a
/// "simple" cross-origin POST needs no CORS preflight); the app's own pages and non-browser clients can.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class CrossSiteTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    static HttpRequestMessage Post(string path, string body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    [Fact]
    public async Task Posts_from_another_origin_are_refused_and_store_nothing_while_the_apps_own_origin_and_scripts_get_through()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);
        string spec = StudioHost.TinySpec("cross-site", generations: 1, epochs: 1);
        string self = host.Address.GetLeftPart(UriPartial.Authority);

        foreach (var headers in new[]
                 {
                     new[] { ("Origin", "http://evil.example") },
                     new[] { ("Origin", "http://127.0.0.1:1") }, // another port on loopback: same site, other origin
                     new[] { ("Origin", "null") },
                     new[] { ("Sec-Fetch-Site", "cross-site") },
                     new[] { ("Sec-Fetch-Site", "same-site"), ("Origin", self) },
                 })
        {
            using var refused = await host.Http.SendAsync(Post("/api/experiments", spec, headers));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("Refused", await refused.Content.ReadAsStringAsync());
        }
        Assert.Empty((await host.Http.GetFromJsonAsync<ExperimentListItem[]>("/api/experiments"))!);

        // The app's own origin, as its pages send it, and a script that sends no browser headers.
        using (var own = await host.Http.SendAsync(Post("/api/experiments", spec, ("Origin", self), ("Sec-Fetch-Site", "same-origin"))))
            Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        int id = await host.SubmitAsync(spec);

        using var cancel = await host.Http.SendAsync(Post($"/api/experiments/{id}/cancel", "", ("Origin", "http://evil.example")));
        Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
        Assert.NotEqual("cancelled", (await host.GetAsync(id)).Status);
        Assert.Equal(2, (await host.Http.GetFromJsonAsync<ExperimentListItem[]>("/api/experiments"))!.Length);
    }
}
