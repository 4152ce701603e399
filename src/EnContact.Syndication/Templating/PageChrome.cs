namespace EnContact.Syndication.Templating;

/// <summary>
/// What every public page's layout shows: the magazine, its language, its main feeds (autodiscovery),
/// and in the footer who publishes it and where its privacy notice is (none: a sentence says what the address is used for).
/// </summary>
public sealed record PageChrome(string SiteTitle, string SiteUrl, string Language, IReadOnlyList<AlternateLink> Feeds)
{
    public string PublisherName { get; init; } = SiteTitle;
    public string? PrivacyUrl { get; init; }
    /// <summary>The path of the gateway's pages as browsers see it, ending in "/" (keeps a path prefix of the public URL).</summary>
    public string Root { get; init; } = "/";
}

/// <summary>A <c>&lt;link rel="alternate"&gt;</c> for feed readers' autodiscovery.</summary>
public sealed record AlternateLink(string Title, string MediaType, string Url);

/// <summary>A form's anti-forgery field: its name and this visitor's value.</summary>
public sealed record CsrfField(string Name, string Value);

/// <summary>A page's model: the chrome and the page title. Templates read the rest from the derived type.</summary>
public abstract record PageModel
{
    public required PageChrome Chrome { get; init; }
    public required string Title { get; init; }
    /// <summary>Whether search engines may index the page: the public ones (home, feeds, sign-up, archive), never a page reached through a personal link.</summary>
    public bool Indexable { get; init; }
}
