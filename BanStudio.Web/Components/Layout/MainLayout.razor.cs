namespace BanStudio.Web.Components.Layout;

public partial class MainLayout
{
    bool drawerOpen = true;

    void ToggleDrawer() => drawerOpen = !drawerOpen;
}
