namespace EnContact.Syndication.Feeds;

/// <summary>A feed, format-neutral: what the RSS, Atom and JSON writers all render.</summary>
public sealed record FeedModel
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Subtitle { get; init; }
    public required string Language { get; init; }
    /// <summary>The site page this feed mirrors (rel="alternate").</summary>
    public required string HomePageUrl { get; init; }
    /// <summary>
    /// This document's own URL, per format (rel="self"); null for a document served at many addresses
    /// (a member's full-text feed, whose address carries the member's token), which then names none.
    /// </summary>
    public required Func<FeedFormat, string>? SelfUrl { get; init; }
    /// <summary>The newest change among its items, in magazine time.</summary>
    public required DateTimeOffset Updated { get; init; }
    public required string Publisher { get; init; }
    public string? IconUrl { get; init; }
    public string? LogoUrl { get; init; }
    public string? HubUrl { get; init; }
    public int TimeToLiveMinutes { get; init; }
    /// <summary>RFC 5005 links (per format): the newest complete archive page, and for archive pages their neighbours and the current feed.</summary>
    public Func<FeedFormat, string>? PrevArchiveUrl { get; init; }
    public Func<FeedFormat, string>? NextArchiveUrl { get; init; }
    public Func<FeedFormat, string>? CurrentUrl { get; init; }
    public bool IsArchive { get; init; }
    public required IReadOnlyList<FeedEntry> Entries { get; init; }
}

/// <summary>One item: plain-text title and summary, HTML content (full text, or the teaser of a premium article), absolute URLs only.</summary>
public sealed record FeedEntry
{
    /// <summary>Permanent id (a <c>tag:</c> URI from the article's id), the same in every feed.</summary>
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Url { get; init; }
    public required DateTimeOffset Published { get; init; }
    public required DateTimeOffset Updated { get; init; }
    public required IReadOnlyList<string> Authors { get; init; }
    public required IReadOnlyList<string> Categories { get; init; }
    public required string Summary { get; init; }
    public required string ContentHtml { get; init; }
    public required string Language { get; init; }
    public string? ImageUrl { get; init; }
    public string? ImageType { get; init; }
    public bool IsPremium { get; init; }
}
