using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EnContact.Syndication.Articles;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Ingestion;

/// <summary>The result of validating and cleaning a draft: an article, or the errors that prevent one, plus warnings about what was cleaned.</summary>
public sealed record NormalizationResult(Article? Article, IReadOnlyList<FieldError> Errors, IReadOnlyList<FieldError> Warnings)
{
    public bool IsValid => Article is not null;

    /// <summary>Whether the draft named its slug; otherwise the slug comes from the title until the article is first published.</summary>
    public bool SlugGiven { get; init; }

    /// <summary>Whether the draft pinned <c>updated</c>; otherwise it moves when readers get a corrected version.</summary>
    public bool UpdatedGiven { get; init; }

    /// <summary>A draft without a publication date: dated "now" for display, hashed without that date.</summary>
    internal bool UndatedDraft { get; init; }
}

/// <summary>
/// The single validation and cleaning path for every source (content folder and admin API):
/// required fields, dates in the magazine's time zone, XML-forbidden characters removed from all
/// text, HTML sanitised with absolute URLs, slug and canonical URL, summary, status and content hash.
/// A section matching a configured one (<paramref name="sections"/>) takes its spelling.
/// <see cref="Normalize"/> knows only the draft; <see cref="Settle"/> then applies what the store
/// knows of the article's past (its published slug, its last <c>updated</c>).
/// </summary>
public sealed partial class ArticleNormalizer(IOptions<SiteOptions> siteOptions, MagazineTime magazineTime, TimeProvider time, SectionNames? sections = null)
{
    public const int MaxTitleLength = 300;
    public const int MaxSummaryLength = 2000;
    public const int DerivedSummaryLength = 280;
    public const int MaxListItems = 50;
    public const int MaxShortTextLength = 200;

    /// <summary>How much longer than its limit a plain-text value may be before cleaning (markup and entities).</summary>
    public const int RawLengthAllowance = 4;

    /// <summary>Deepest nesting of elements an article body may have; real articles stay under 20.</summary>
    public const int MaxHtmlDepth = 256;

    private readonly SiteOptions _site = siteOptions.Value;

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    public NormalizationResult Normalize(ArticleDraft draft, string id, string source)
    {
        var checks = new FieldChecks(draft.Lines);
        if (!IsValidId(id))
            checks.Error("id", $"'{id}' is not a valid id: use 1 to 100 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit");
        var title = checks.Text("title", draft.Title, MaxTitleLength);
        if (title is null && !checks.HasError("title"))
            checks.Error("title", "is required");
        var slug = SlugOf(draft, title, checks);
        var (published, updated, undatedDraft) = DatesOf(draft, checks);
        var access = AccessOf(draft, checks);
        var language = LanguageOf(draft, checks);
        var authors = checks.List("authors", draft.Authors);
        var tags = checks.List("tags", draft.Tags, lowerCase: true);
        var section = checks.Text("section", draft.Section, MaxShortTextLength) is { } written ? sections?.Canonical(written) ?? written : null;
        var issue = checks.Text("issue", draft.Issue, MaxShortTextLength);
        var summary = checks.Text("summary", draft.Summary, MaxSummaryLength);
        var image = ResolveUrl("image", draft.Image, checks);
        // Known before the body is cleaned: links to a place in the article (#notes) point into it.
        var canonicalUrl = slug is not null && Slugs.IsValid(slug) ? CanonicalUrl(id, slug, section) : null;
        var (contentHtml, firstParagraph) = BodyOf(draft, canonicalUrl, checks, firstParagraphLength: summary is null ? DerivedSummaryLength : 0);
        if (checks.Errors.Count > 0)
            return new NormalizationResult(null, checks.Errors, checks.Warnings);

        var article = new Article
        {
            Id = id,
            Slug = slug!,
            Title = title!,
            // Without a summary, the first paragraph's words (plain text, like every summary).
            Summary = summary ?? TextCleaner.RemoveForbidden(PlainText.WithoutMarkup(firstParagraph!), out _),
            ContentHtml = contentHtml!,
            Authors = authors,
            Section = section,
            Issue = issue,
            Tags = tags,
            Access = access,
            Language = language,
            PublishedAt = published!.Value,
            UpdatedAt = updated ?? published!.Value,
            CanonicalUrl = canonicalUrl!,
            ImageUrl = image,
            Source = source,
            ContentHash = "",
            Status = draft.Draft ? ArticleStatus.Draft : published!.Value > time.GetUtcNow() ? ArticleStatus.Scheduled : ArticleStatus.Published,
        };
        return new NormalizationResult(WithHash(article, undatedDraft, updatedGiven: updated is not null), checks.Errors, checks.Warnings)
        {
            SlugGiven = draft.Slug is not null,
            UpdatedGiven = updated is not null,
            UndatedDraft = undatedDraft,
        };
    }

    /// <summary>The slug given, or one made from the title.</summary>
    private static string? SlugOf(ArticleDraft draft, string? title, FieldChecks checks)
    {
        if (draft.Slug is not null)
        {
            var slug = draft.Slug.Trim();
            if (!Slugs.IsValid(slug))
                checks.Error("slug", $"'{Shorten(slug)}' is not a valid slug: use lowercase letters, digits and single hyphens, at most {Slugs.MaxLength} characters");
            return slug;
        }
        if (title is null)
            return null;
        var made = Slugs.From(title);
        if (made.Length == 0)
            checks.Error("slug", "cannot be made from the title; give one");
        return made;
    }

    /// <summary>
    /// Publication and update times in the magazine's time zone. An undated draft is dated "now" for
    /// display, but its hash ignores that date (<see cref="WithHash"/>).
    /// </summary>
    private (DateTimeOffset? Published, DateTimeOffset? Updated, bool UndatedDraft) DatesOf(ArticleDraft draft, FieldChecks checks)
    {
        var published = ParseDate("published", draft.Published, checks);
        var updated = ParseDate("updated", draft.Updated, checks);
        var undatedDraft = draft.Published is null && draft.Draft;
        if (draft.Published is null)
        {
            if (draft.Draft)
                published = time.GetUtcNow();
            else
                checks.Error("published", "is required (a draft may leave it out)");
        }
        if (!undatedDraft && published is { } p && updated is { } u && u < p)
            checks.Error("updated", $"{u:u} is before published {p:u}");
        return (published, updated, undatedDraft);
    }

    private static ArticleAccess AccessOf(ArticleDraft draft, FieldChecks checks)
    {
        if (string.IsNullOrWhiteSpace(draft.Access))
            return ArticleAccess.Free;
        switch (draft.Access.Trim().ToLowerInvariant())
        {
            case "free": return ArticleAccess.Free;
            case "premium": return ArticleAccess.Premium;
            default:
                checks.Error("access", $"'{Shorten(draft.Access)}' is not an access level: use free or premium");
                return ArticleAccess.Free;
        }
    }

    private string LanguageOf(ArticleDraft draft, FieldChecks checks)
    {
        var language = string.IsNullOrWhiteSpace(draft.Language) ? _site.DefaultLanguage : draft.Language.Trim();
        if (!LanguagePattern().IsMatch(language))
            checks.Error("language", $"'{Shorten(language)}' is not a language tag such as fr or en-GB");
        return language;
    }

    /// <summary>The body (Markdown, or HTML from the API) as safe HTML, without XML-forbidden characters.</summary>
    /// <remarks>With <paramref name="firstParagraphLength"/> above 0, also the first paragraph's text (a summary when none is given).</remarks>
    private (string? Html, string? FirstParagraph) BodyOf(ArticleDraft draft, string? canonicalUrl, FieldChecks checks, int firstParagraphLength)
    {
        if (draft.BodyMarkdown is not null && draft.BodyHtml is not null)
            checks.Error("content", "give the body either as Markdown or as HTML, not both");
        var field = draft.BodyHtml is not null ? "contentHtml" : "content";
        var raw = TextCleaner.RemoveForbidden(draft.BodyHtml ?? draft.BodyMarkdown ?? "", out var removed);
        if (removed.Count > 0)
            checks.Warnings.Add(new FieldError(field, $"removed {removed.Count} character(s) that XML forbids ({string.Join(", ", removed.Distinct())})"));
        return CleanBody(draft.BodyHtml is not null, raw, canonicalUrl, field, checks, firstParagraphLength);
    }

    /// <summary>
    /// The article with its content hash. An undated draft's display date ("now") is left out of the
    /// hash, so normalising it again does not count as a change and its first date stays stored.
    /// </summary>
    private static Article WithHash(Article article, bool undatedDraft, bool updatedGiven)
    {
        var hashed = undatedDraft
            ? article with { PublishedAt = DateTimeOffset.UnixEpoch, UpdatedAt = updatedGiven ? article.UpdatedAt : DateTimeOffset.UnixEpoch }
            : article;
        return article with { ContentHash = HashOf(hashed) };
    }

    /// <summary>
    /// The body as safe HTML, or null with an error when it nests too deeply to be worth parsing (the
    /// sanitiser's cost grows with the square of the depth: 100,000 nested divs took 79 s).
    /// </summary>
    private (string? Html, string? FirstParagraph) CleanBody(bool isHtml, string body, string? canonicalUrl, string field, FieldChecks checks, int firstParagraphLength)
    {
        string html;
        try
        {
            html = isHtml ? body : HtmlCleaner.RenderMarkdown(body);
        }
        catch (ArgumentException)
        {
            // Markdig refuses input nested beyond its own limit (">>>>…" a thousand times).
            checks.Error(field, "the Markdown nests too deeply (quotes, lists or emphasis inside one another hundreds of times)");
            return (null, null);
        }
        if (HtmlCleaner.NestingDepth(html, MaxHtmlDepth) > MaxHtmlDepth)
        {
            checks.Error(field, $"the HTML nests elements more than {MaxHtmlDepth} levels deep");
            return (null, null);
        }
        var contentHtml = HtmlCleaner.Sanitize(html, _site.BaseUri, out var removedFromHtml, out var firstParagraph,
            canonicalUrl is null ? null : new Uri(canonicalUrl), firstParagraphLength);
        foreach (var what in removedFromHtml.Distinct())
            checks.Warnings.Add(new FieldError(field, $"removed unsafe HTML: {what}"));
        return (contentHtml, firstParagraph);
    }

    private DateTimeOffset? ParseDate(string field, string? value, FieldChecks checks)
    {
        if (value is null)
            return null;
        if (magazineTime.TryParse(value, out var instant, out var message))
            return instant;
        checks.Error(field, message);
        return null;
    }

    private string? ResolveUrl(string field, string? value, FieldChecks checks)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        var text = value.Trim();
        if (Uri.TryCreate(_site.BaseUri, text, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            return uri.AbsoluteUri;
        checks.Error(field, $"'{Shorten(text)}' is not an http(s) URL or a path on the site");
        return null;
    }

    private string CanonicalUrl(string id, string slug, string? section)
    {
        var path = _site.ArticleUrlTemplate
            .Replace("{slug}", slug, StringComparison.Ordinal)
            .Replace("{id}", Uri.EscapeDataString(id), StringComparison.Ordinal)
            .Replace("{section}", section is null ? "" : Slugs.From(section), StringComparison.Ordinal);
        return new Uri(_site.BaseUri, path).AbsoluteUri;
    }

    /// <summary>
    /// SHA-256 over every field a reader sees, so an unchanged article is recognised whatever its
    /// source. <c>updated</c> enters as the source gave it (or as the publication date), never as
    /// <see cref="Settle"/> moved it, so the same source always gives the same hash.
    /// </summary>
    public static string HashOf(Article article)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(new object?[]
        {
            article.Id, article.Slug, article.Title, article.Summary, article.ContentHtml, article.Authors,
            article.Section, article.Issue, article.Tags, article.Access.ToString(), article.Language,
            article.PublishedAt.UtcTicks, article.UpdatedAt.UtcTicks, article.CanonicalUrl, article.ImageUrl,
        });
        return Convert.ToHexStringLower(SHA256.HashData(canonical));
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")]
    private static partial Regex LanguagePattern();
}
