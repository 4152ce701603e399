using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Hosting;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Ingestion;

/// <summary>The result of validating and cleaning a draft: an article, or the errors that prevent one, plus warnings about what was cleaned.</summary>
public sealed record NormalizationResult(Article? Article, IReadOnlyList<FieldError> Errors, IReadOnlyList<FieldError> Warnings)
{
    public bool IsValid => Article is not null;
}

/// <summary>
/// The single validation and cleaning path for every source (content folder and admin API):
/// required fields, dates in the magazine's time zone, XML-forbidden characters removed from all
/// text, HTML sanitised with absolute URLs, slug and canonical URL, summary, status and content hash.
/// A section matching a configured one (<paramref name="sections"/>) takes its spelling.
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
        var errors = new List<FieldError>();
        var warnings = new List<FieldError>();
        int? LineOf(string field) => draft.Lines.TryGetValue(field, out var line) ? line : null;
        void Error(string field, string message) => errors.Add(new FieldError(field, message, LineOf(field)));

        string? Text(string field, string? value, int maxLength, bool lowerCase = false)
        {
            if (value is null)
                return null;
            // The length first, before any markup is looked at, so a huge value costs nothing more.
            // Markup, entities and spaces take room that cleaning gives back: allow for it, within reason.
            if (value.Length > maxLength * RawLengthAllowance)
            {
                Error(field, $"is {value.Length} characters long; the limit is {maxLength}");
                return null;
            }
            // Plain-text fields: markup a CMS export leaves in a title (<em>…</em>) is dropped, and an
            // entity (&eacute;, &nbsp;, &amp;) means its character. "a < b > c" is text and stays.
            var plain = PlainText.FromHtmlish(value, out var hadMarkup);
            if (hadMarkup)
                warnings.Add(new FieldError(field, "removed HTML markup: this field is plain text", LineOf(field)));
            var clean = TextCleaner.SingleLine(plain, out var removed);
            if (removed.Count > 0)
                warnings.Add(new FieldError(field, $"removed {removed.Count} character(s) that XML forbids ({string.Join(", ", removed.Distinct())})", LineOf(field)));
            if (lowerCase)
                clean = clean.ToLowerInvariant();
            if (clean.Length > maxLength)
            {
                Error(field, $"is {clean.Length} characters long; the limit is {maxLength}");
                return null;
            }
            return clean.Length == 0 ? null : clean;
        }

        IReadOnlyList<string> List(string field, IReadOnlyList<string>? values, bool lowerCase = false)
        {
            if (values is null)
                return [];
            if (values.Count > MaxListItems)
            {
                Error(field, $"has {values.Count} entries; the limit is {MaxListItems}");
                return [];
            }
            return values.Select(v => Text(field, v, MaxShortTextLength, lowerCase)).OfType<string>()
                .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        }

        if (!IsValidId(id))
            Error("id", $"'{id}' is not a valid id: use 1 to 100 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit");

        var title = Text("title", draft.Title, MaxTitleLength);
        if (title is null && !errors.Any(e => e.Field == "title"))
            Error("title", "is required");

        string? slug = null;
        if (draft.Slug is not null)
        {
            slug = draft.Slug.Trim();
            if (!Slugs.IsValid(slug))
                Error("slug", $"'{Shorten(slug)}' is not a valid slug: use lowercase letters, digits and single hyphens, at most {Slugs.MaxLength} characters");
        }
        else if (title is not null)
        {
            slug = Slugs.From(title);
            if (slug.Length == 0)
                Error("slug", "cannot be made from the title; give one");
        }

        DateTimeOffset? published = ParseDate("published", draft.Published, Error);
        DateTimeOffset? updated = ParseDate("updated", draft.Updated, Error);
        // An undated draft is dated "now" for display, but its hash ignores that date (see below),
        // so normalising it again does not count as a change and the first date stays stored.
        var undatedDraft = draft.Published is null && draft.Draft;
        if (draft.Published is null)
        {
            if (draft.Draft)
                published = time.GetUtcNow();
            else
                Error("published", "is required (a draft may leave it out)");
        }
        if (!undatedDraft && published is { } p && updated is { } u && u < p)
            Error("updated", $"{u:u} is before published {p:u}");

        var access = ArticleAccess.Free;
        if (!string.IsNullOrWhiteSpace(draft.Access))
        {
            switch (draft.Access.Trim().ToLowerInvariant())
            {
                case "free": access = ArticleAccess.Free; break;
                case "premium": access = ArticleAccess.Premium; break;
                default: Error("access", $"'{Shorten(draft.Access)}' is not an access level: use free or premium"); break;
            }
        }

        var language = string.IsNullOrWhiteSpace(draft.Language) ? _site.DefaultLanguage : draft.Language.Trim();
        if (!LanguagePattern().IsMatch(language))
            Error("language", $"'{Shorten(language)}' is not a language tag such as fr or en-GB");

        var authors = List("authors", draft.Authors);
        var tags = List("tags", draft.Tags, lowerCase: true);
        var section = Text("section", draft.Section, MaxShortTextLength) is { } written ? sections?.Canonical(written) ?? written : null;
        var issue = Text("issue", draft.Issue, MaxShortTextLength);
        var summary = Text("summary", draft.Summary, MaxSummaryLength);
        var image = ResolveUrl("image", draft.Image, Error);

        if (draft.BodyMarkdown is not null && draft.BodyHtml is not null)
            Error("content", "give the body either as Markdown or as HTML, not both");
        var bodyField = draft.BodyHtml is not null ? "contentHtml" : "content";
        var rawBody = TextCleaner.RemoveForbidden(draft.BodyHtml ?? draft.BodyMarkdown ?? "", out var removedFromBody);
        if (removedFromBody.Count > 0)
            warnings.Add(new FieldError(bodyField, $"removed {removedFromBody.Count} character(s) that XML forbids ({string.Join(", ", removedFromBody.Distinct())})"));
        // Known before the body is cleaned: links to a place in the article (#notes) point into it.
        var canonicalUrl = slug is not null && Slugs.IsValid(slug) ? CanonicalUrl(id, slug, section) : null;
        var contentHtml = CleanBody(draft.BodyHtml is not null, rawBody, canonicalUrl, bodyField, Error, warnings);

        if (errors.Count > 0)
            return new NormalizationResult(null, errors, warnings);

        summary ??= TextCleaner.RemoveForbidden(PlainText.WithoutMarkup(HtmlCleaner.FirstParagraphText(contentHtml!, DerivedSummaryLength)), out _);
        var status = draft.Draft ? ArticleStatus.Draft
            : published!.Value > time.GetUtcNow() ? ArticleStatus.Scheduled
            : ArticleStatus.Published;

        var article = new Article
        {
            Id = id,
            Slug = slug!,
            Title = title!,
            Summary = summary,
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
            Status = status,
        };
        var hashed = undatedDraft ? article with { PublishedAt = DateTimeOffset.UnixEpoch, UpdatedAt = updated ?? DateTimeOffset.UnixEpoch } : article;
        return new NormalizationResult(article with { ContentHash = HashOf(hashed) }, errors, warnings);
    }

    /// <summary>
    /// The body as safe HTML, or null with an error when it nests too deeply to be worth parsing (the
    /// sanitiser's cost grows with the square of the depth: 100,000 nested divs took 79 s).
    /// </summary>
    private string? CleanBody(bool isHtml, string body, string? canonicalUrl, string field, Action<string, string> error, List<FieldError> warnings)
    {
        string html;
        try
        {
            html = isHtml ? body : HtmlCleaner.RenderMarkdown(body);
        }
        catch (ArgumentException)
        {
            // Markdig refuses input nested beyond its own limit (">>>>…" a thousand times).
            error(field, "the Markdown nests too deeply (quotes, lists or emphasis inside one another hundreds of times)");
            return null;
        }
        if (HtmlCleaner.NestingDepth(html, MaxHtmlDepth) > MaxHtmlDepth)
        {
            error(field, $"the HTML nests elements more than {MaxHtmlDepth} levels deep");
            return null;
        }
        var contentHtml = HtmlCleaner.Sanitize(html, _site.BaseUri, out var removedFromHtml, canonicalUrl is null ? null : new Uri(canonicalUrl));
        foreach (var what in removedFromHtml.Distinct())
            warnings.Add(new FieldError(field, $"removed unsafe HTML: {what}"));
        return contentHtml;
    }

    private DateTimeOffset? ParseDate(string field, string? value, Action<string, string> error)
    {
        if (value is null)
            return null;
        if (magazineTime.TryParse(value, out var instant, out var message))
            return instant;
        error(field, message);
        return null;
    }

    private string? ResolveUrl(string field, string? value, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        var text = value.Trim();
        if (Uri.TryCreate(_site.BaseUri, text, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            return uri.AbsoluteUri;
        error(field, $"'{Shorten(text)}' is not an http(s) URL or a path on the site");
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

    /// <summary>SHA-256 over every field a reader sees, so an unchanged article is recognised whatever its source.</summary>
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
