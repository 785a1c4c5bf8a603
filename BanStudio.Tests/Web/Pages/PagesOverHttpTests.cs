using System.Net;
using BanStudio.Tests.Data;

namespace BanStudio.Tests.Web.Pages;

/// <summary>The pages as the real app serves them, with the static assets a browser needs to run them.</summary>
public sealed class PagesOverHttpTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_dashboard_is_served_with_MudBlazor_and_the_Blazor_script()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);

        using var home = await host.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal("text/html", home.Content.Headers.ContentType?.MediaType);
        string html = await home.Content.ReadAsStringAsync();
        Assert.Contains("BanStudio", html);
        Assert.Contains("Dashboard", html);

        // A 200 with an empty body is what a missing static web assets manifest gives: check the bytes.
        foreach (var (path, marker) in new[]
                 {
                     ("/_content/MudBlazor/MudBlazor.min.css", ".mud-"),
                     ("/_content/MudBlazor/MudBlazor.min.js", "mud"),
                     ("/_framework/blazor.web.js", "Blazor"),
                 })
        {
            using var asset = await host.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Contains(marker, await asset.Content.ReadAsStringAsync());
        }
    }
}
