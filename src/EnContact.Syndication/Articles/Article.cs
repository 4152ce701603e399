namespace EnContact.Syndication.Articles;

/// <summary>Who may read an article's full text.</summary>
public enum ArticleAccess
{
    /// <summary>Everyone: the full text goes into feeds and digests.</summary>
    Free,
    /// <summary>Paying subscribers: outside the site only the summary (teaser) is shown.</summary>
    Premium,
}

/// <summary>Where an article stands in its life.</summary>
public enum ArticleStatus
{
    Published,
    Draft,
    /// <summary>Has a future publication instant; becomes <see cref="Published"/> when it comes.</summary>
    Scheduled,
    /// <summary>Its source went away; the row is kept so readers learn of the removal.</summary>
    Deleted,
}

/// <summary>
/// One article as the store holds it: cleaned, validated and ready for feeds and digests.
/// Instants are UTC. <see cref="ContentHtml"/> is sanitised HTML with absolute URLs.
/// </summary>
public sealed record Article
{
    /// <summary>Permanent id, assigned on first ingestion; never changes with title, slug or file name.</summary>
    public required string Id { get; init; }
    public required string Slug { get; init; }
    public required string Title { get; init; }
    public required string Summary { get; init; }
    public required string ContentHtml { get; init; }
    public IReadOnlyList<string> Authors { get; init; } = [];
    public string? Section { get; init; }
    /// <summary>The magazine issue it belongs to, e.g. "En-Contact 50".</summary>
    public string? Issue { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public ArticleAccess Access { get; init; }
    public required string Language { get; init; }
    public required DateTimeOffset PublishedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required string CanonicalUrl { get; init; }
    public string? ImageUrl { get; init; }
    /// <summary>Where it came from: <c>file:2026/slug.md</c> (relative to the content folder) or <c>api</c>.</summary>
    public required string Source { get; init; }
    /// <summary>SHA-256 of the normalised fields: equal hashes mean nothing a reader sees has changed.</summary>
    public required string ContentHash { get; init; }
    public ArticleStatus Status { get; init; }
    /// <summary>
    /// When the store first held it as published (null while it never was). Set by the store, never
    /// by a source: from then on its slug no longer follows its title, and its <see cref="UpdatedAt"/>
    /// moves when readers get a corrected version.
    /// </summary>
    public DateTimeOffset? FirstPublishedAt { get; init; }
    /// <summary>Value of the store's change counter when this article last changed (0 before it is stored).</summary>
    public long Version { get; init; }

    public const string ApiSource = "api";
    public const string FileSourcePrefix = "file:";

    public bool IsFromFile => Source.StartsWith(FileSourcePrefix, StringComparison.Ordinal);

    /// <summary>Whether readers have seen some version of it (it may since have become a draft or been deleted).</summary>
    public bool WasPublished => FirstPublishedAt is not null || Status == ArticleStatus.Published;
}
