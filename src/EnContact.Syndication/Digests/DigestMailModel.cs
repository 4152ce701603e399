namespace EnContact.Syndication.Digests;

/// <summary>
/// Model of <c>templates/digest/Digest.cshtml</c> and <c>Digest.text.cshtml</c>: the same model makes
/// the HTML and the plain-text part, so both carry the same articles and links. Personal links are
/// placeholders (<c>{{unsubscribe_url}}</c>, <c>{{preferences_url}}</c>) filled per recipient by the outbox.
/// </summary>
public sealed record DigestMailModel
{
    public required string SiteTitle { get; init; }
    public required string SiteUrl { get; init; }
    /// <summary>Who sends the letter, as its footer says (Site:PublisherName), and where to write to them (Site:PostalAddress, when set).</summary>
    public required string PublisherName { get; init; }
    public string? PostalAddress { get; init; }
    public required int Number { get; init; }
    public required string DateText { get; init; }
    public required string Subject { get; init; }
    /// <summary>The line mail clients show after the subject.</summary>
    public required string Preheader { get; init; }
    public required IReadOnlyList<DigestSectionView> Sections { get; init; }
    public required string WebVersionUrl { get; init; }
    public required string SubscribeUrl { get; init; }
    /// <summary>Null in the web version, which has no personal link.</summary>
    public string? PreferencesUrl { get; init; }
    public string? UnsubscribeUrl { get; init; }
    /// <summary>The public archive page: no personal links, a subscribe link instead.</summary>
    public bool IsWebVersion { get; init; }
    /// <summary>A test copy (<c>digest send-test</c>): marked as such at the top.</summary>
    public bool IsTest { get; init; }
    /// <summary>A member's copy, and how it shows premium articles (<see cref="MemberCopy.None"/>: everyone else's).</summary>
    public MemberCopy Members { get; init; }
}

/// <summary>A section as shown: its first items, and how many more are on the web version.</summary>
public sealed record DigestSectionView(string Title, string Anchor, IReadOnlyList<DigestItem> Items, int HiddenCount, string MoreUrl)
{
    /// <summary>How this copy shows premium articles (the same for every section of a copy).</summary>
    public MemberCopy Members { get; init; }

    /// <summary>The items as <c>_Article.cshtml</c> shows them.</summary>
    public IEnumerable<DigestArticleView> Views => Items.Select(item => new DigestArticleView(item, Members));
}
