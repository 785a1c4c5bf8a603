using System.Net;
using BanStudio.Tests.Data;

namespace BanStudio.Tests.Web.Pages;

/// <summary>The wizard as the real app serves it: its services come from the app's own registrations.</summary>
public sealed class WizardOverHttpTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_wizard_page_is_served_with_the_datasets_built_in_first_and_the_nav_and_dashboard_link_to_it()
    {
        await using var host = await StudioHost.StartAsync(_folder.Path);

        using var response = await host.Http.GetAsync("/experiments/new");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string html = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"wizard-stepper\"", html);
        int builtin = html.IndexOf("data-testid=\"dataset-builtin\"", StringComparison.Ordinal);
        int cifar = html.IndexOf("data-testid=\"dataset-cifar10\"", StringComparison.Ordinal);
        Assert.True(builtin > 0 && cifar > builtin, "the built-in dataset is listed first");

        string home = await host.Http.GetStringAsync("/");
        Assert.Contains("href=\"/experiments/new\"", home);
        Assert.Contains("data-testid=\"dashboard-new-experiment\"", home);
    }
}
