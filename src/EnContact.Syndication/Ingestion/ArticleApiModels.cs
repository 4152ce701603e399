using EnContact.Syndication.Articles;

namespace EnContact.Syndication.Ingestion;

/// <summary>Body of <c>PUT /api/articles/{id}</c>; the same fields as a content file's front matter, plus the body as Markdown or HTML.</summary>
public sealed record ArticleRequest
{
    public string? Id { get; init; }
    public string? Title { get; init; }
    public string? Slug { get; init; }
    public string? Published { get; init; }
    public string? Updated { get; init; }
    public List<string>? Authors { get; init; }
    public string? Section { get; init; }
    public string? Issue { get; init; }
    public List<string>? Tags { get; init; }
    public string? Access { get; init; }
    public string? Language { get; init; }
    public string? Summary { get; init; }
    public string? Image { get; init; }
    public bool Draft { get; init; }
    public string? ContentMarkdown { get; init; }
    public string? ContentHtml { get; init; }

    public ArticleDraft ToDraft() => new()
    {
        Id = Id, Title = Title, Slug = Slug, Published = Published, Updated = Updated, Authors = Authors,
        Section = Section, Issue = Issue, Tags = Tags, Access = Access, Language = Language, Summary = Summary,
        Image = Image, Draft = Draft, BodyMarkdown = ContentMarkdown, BodyHtml = ContentHtml,
    };
}

/// <summary>An article as the admin API returns it (dates in UTC).</summary>
public sealed record ArticleResponse(
    string Id, string Slug, string Title, string Summary, string? ContentHtml, IReadOnlyList<string> Authors,
    string? Section, string? Issue, IReadOnlyList<string> Tags, string Access, string Language,
    DateTimeOffset Published, DateTimeOffset Updated, string CanonicalUrl, string? Image, string Source,
    string ContentHash, string Status, long Version)
{
    public static ArticleResponse From(Article a, bool withContent = true) => new(
        a.Id, a.Slug, a.Title, a.Summary, withContent ? a.ContentHtml : null, a.Authors, a.Section, a.Issue, a.Tags,
        a.Access == ArticleAccess.Premium ? "premium" : "free", a.Language, a.PublishedAt, a.UpdatedAt, a.CanonicalUrl,
        a.ImageUrl, a.Source, a.ContentHash, EnumText.Of(a.Status), a.Version);
}

/// <summary>Reply to a PUT: what happened, the stored article, and what was cleaned on the way in.</summary>
public sealed record ArticleSaveResponse(string Outcome, ArticleResponse Article, IReadOnlyList<string> Warnings);

public sealed record ArticleListResponse(IReadOnlyList<ArticleResponse> Items, int Page, int PageSize, long Total, long StoreVersion);
