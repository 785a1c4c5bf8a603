namespace BanStudio.Web.Components.Layout;

public partial class MainLayout
{
    bool drawerOpen = true;

    /// <summary>
    /// False in the prerendered HTML, true once the interactive circuit has rendered the layout: a page's inputs and
    /// buttons do something only from then on. Shown as <c>data-interactive</c> for tools that drive the pages (the
    /// browser tests wait for it after every navigation; typing into the prerendered page is lost when the circuit
    /// attaches).
    /// </summary>
    bool interactive;

    void ToggleDrawer() => drawerOpen = !drawerOpen;

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        interactive = true;
        StateHasChanged();
    }
}
