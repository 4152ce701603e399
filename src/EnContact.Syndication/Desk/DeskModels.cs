using EnContact.Syndication.Templating;

namespace EnContact.Syndication.Desk;

// Models of the templates under templates/admin/. Texts live in the templates; models carry data only.

/// <summary>Who is signed in, as the pages show it.</summary>
public sealed record StaffView(string Name, string Email, bool IsAdministrator)
{
    public string RoleText => IsAdministrator ? "administrateur" : "rédaction";
}

/// <summary>The edition waiting for approval, shown as a banner on every desk page.</summary>
public sealed record WaitingBanner(string Key, int? Number, int ItemCount, bool Held = false);

/// <summary>What the desk's layout needs: title, the menu entry to highlight, who is signed in, the banner, a notice after an action.</summary>
public abstract record DeskPageModel
{
    public required string Title { get; init; }
    public string SiteTitle { get; init; } = "";
    public string Menu { get; init; } = "";
    public StaffView? Staff { get; init; }
    public CsrfField Csrf { get; init; } = new("", "");
    public WaitingBanner? Waiting { get; init; }
    public string? Notice { get; init; }
    public string? Problem { get; init; }
    public string AssetVersion { get; init; } = DeskAssets.Version;
}

public sealed record SignInPageModel : DeskPageModel
{
    public string? Name { get; init; }
    public string ReturnPath { get; init; } = DeskRoutes.NextEdition;
}

public sealed record MessagePageModel : DeskPageModel
{
    public required string Message { get; init; }
}
