namespace EnContact.Syndication.Articles;

/// <summary>Filters for listing articles; every filter is optional. Pages are numbered from 1.</summary>
public sealed record ArticleQuery
{
    public string? Section { get; init; }
    public ArticleStatus? Status { get; init; }
    /// <summary>Only articles updated at or after this instant.</summary>
    public DateTimeOffset? UpdatedSince { get; init; }
    /// <summary>Only articles whose change-counter version is greater than this.</summary>
    public long? ChangedSinceVersion { get; init; }
    /// <summary>Only articles whose title, slug or id contains this text (letter case ignored).</summary>
    public string? Search { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = 50;
}

public sealed record ArticlePage(IReadOnlyList<Article> Items, int Page, int PageSize, long Total);

/// <summary>What saving an article did.</summary>
public enum SaveOutcome
{
    Created,
    Updated,
    /// <summary>Same content hash and status as stored: nothing was written, the version did not move.</summary>
    Unchanged,
}
