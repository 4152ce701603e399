namespace EnContact.Syndication.Templating;

/// <summary>What every public page's layout shows: the magazine, its language, its feeds (autodiscovery).</summary>
public sealed record PageChrome(string SiteTitle, string SiteUrl, string Language, IReadOnlyList<AlternateLink> Feeds);

/// <summary>A <c>&lt;link rel="alternate"&gt;</c> for feed readers' autodiscovery.</summary>
public sealed record AlternateLink(string Title, string MediaType, string Url);

/// <summary>A form's anti-forgery field: its name and this visitor's value.</summary>
public sealed record CsrfField(string Name, string Value);

/// <summary>A page's model: the chrome and the page title. Templates read the rest from the derived type.</summary>
public abstract record PageModel
{
    public required PageChrome Chrome { get; init; }
    public required string Title { get; init; }
}
