using System.Globalization;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// One rendered feed file: its path under <c>/feeds/</c> (with extension; the letter feed's is its path
/// on the site), format, bytes and public URL; its title; whether it is a page of the RFC 5005 archive.
/// </summary>
public sealed record RenderedFeed(string Path, FeedFormat Format, byte[] Bytes, string Url, string Title, bool IsArchive = false);

/// <summary>
/// Renders every feed from the published articles: the site-wide feed, one per section and per tag
/// (newest <see cref="FeedsOptions.ItemCount"/> items each, in RSS, Atom and JSON Feed), and the
/// RFC 5005 archive of the site-wide feed, one page per completed calendar month in magazine time;
/// and the feed of the weekly letter's archive (<c>FeedSetBuilder.Letters.cs</c>).
/// Pure: the same articles and clock give the same bytes.
/// </summary>
public sealed partial class FeedSetBuilder(IOptions<FeedsOptions> feedsOptions, IOptions<SiteOptions> siteOptions, MagazineTime magazineTime, TimeProvider time,
    SectionNames? sectionNames = null)
{
    public const string Generator = "EnContact.Syndication";

    private readonly FeedsOptions _feeds = feedsOptions.Value;
    private readonly SiteOptions _site = siteOptions.Value;

    public IReadOnlyList<RenderedFeed> Build(IReadOnlyList<Article> articles)
    {
        var published = articles.Where(a => a.Status == ArticleStatus.Published)
            .OrderByDescending(a => a.PublishedAt).ThenBy(a => a.Id, StringComparer.Ordinal).ToArray();
        var entries = published.ToDictionary(a => a.Id, ToEntry);
        var rendered = new List<RenderedFeed>();

        // Each article's month once (a time-zone conversion each), not once per archive page.
        var byMonth = published.ToLookup(MonthOf, StringComparer.Ordinal);
        var months = byMonth.Select(g => g.Key).Order(StringComparer.Ordinal).ToArray();
        var currentMonth = MonthOf(time.GetUtcNow());
        var completeMonths = months.Where(m => string.CompareOrdinal(m, currentMonth) < 0).ToArray();

        foreach (var definition in SubscriptionFeeds(published))
        {
            var items = published.Where(definition.Includes).Take(_feeds.ItemCount).Select(a => entries[a.Id]).ToArray();
            var newestArchive = definition.Path == FeedDefinition.AllPath && completeMonths.Length > 0 ? completeMonths[^1] : null;
            var model = Model(definition, items) with
            {
                PrevArchiveUrl = newestArchive is null ? null : format => UrlOf(FeedDefinition.ForMonth(_site.Title, newestArchive, MonthOf), format),
            };
            Render(model, definition, FeedFormats.All, rendered);
        }

        var all = FeedDefinition.All(_site.Title);
        for (var i = 0; i < completeMonths.Length; i++)
        {
            var month = completeMonths[i];
            var definition = FeedDefinition.ForMonth(_site.Title, month, MonthOf);
            var items = byMonth[month].Select(a => entries[a.Id]).ToArray(); // already newest first
            var older = i > 0 ? FeedDefinition.ForMonth(_site.Title, completeMonths[i - 1], MonthOf) : null;
            var newer = i < completeMonths.Length - 1 ? FeedDefinition.ForMonth(_site.Title, completeMonths[i + 1], MonthOf) : null;
            var model = Model(definition, items) with
            {
                IsArchive = true,
                HubUrl = null, // never announced to the hub (it does not change), so it does not advertise one
                // RSS ttl and sy:updatePeriod say what Cache-Control says of an archive page.
                TimeToLiveMinutes = (int)FeedDocument.ArchiveMaxAge.TotalMinutes,
                CurrentUrl = format => UrlOf(all, format),
                PrevArchiveUrl = older is null ? null : format => UrlOf(older, format),
                NextArchiveUrl = newer is null ? null : format => UrlOf(newer, format),
            };
            // RFC 5005 archives exist for Atom and RSS; JSON Feed has no archive convention.
            Render(model, definition, [FeedFormat.Atom, FeedFormat.Rss], rendered);
        }

        return rendered;
    }

    /// <summary>The site-wide feed, then one per section and one per tag that has published articles.</summary>
    public IEnumerable<FeedDefinition> SubscriptionFeeds(IReadOnlyList<Article> published)
    {
        yield return FeedDefinition.All(_site.Title);
        // One name per section: the configured spelling, else the oldest article's, so a newer article
        // spelt another way never renames the feed.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = published.Count - 1; i >= 0; i--)
            if (published[i].Section is { } written && Slugs.From(written) is { Length: > 0 } key)
                names.TryAdd(key, SectionOf(written));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in published.Select(a => a.Section).OfType<string>())
            if (Slugs.From(section) is { Length: > 0 } slug && seen.Add("s:" + slug))
                yield return FeedDefinition.ForSection(_site.Title, names[slug]);
        if (!_feeds.TagFeeds)
            yield break;
        foreach (var tag in published.SelectMany(a => a.Tags))
            if (Slugs.From(tag) is { Length: > 0 } slug && seen.Add("t:" + slug))
                yield return FeedDefinition.ForTag(_site.Title, tag);
    }

    public string UrlOf(FeedDefinition definition, FeedFormat format) => PublicUrl(definition.FileName(format));

    /// <summary>The public URL of a feed file, from its path under <c>/feeds/</c>.</summary>
    public string PublicUrl(string path) => new Uri(_feeds.PublicUri, "feeds/" + path).AbsoluteUri;

    private void Render(FeedModel model, FeedDefinition definition, IEnumerable<FeedFormat> formats, List<RenderedFeed> into)
    {
        foreach (var format in formats)
        {
            var bytes = format switch
            {
                FeedFormat.Rss => RssFeedWriter.Write(model),
                FeedFormat.Atom => AtomFeedWriter.Write(model),
                _ => JsonFeedWriter.Write(model),
            };
            into.Add(new RenderedFeed(definition.FileName(format), format, bytes, UrlOf(definition, format), model.Title, definition.IsArchive));
        }
    }

    private FeedModel Model(FeedDefinition definition, IReadOnlyList<FeedEntry> items) => new()
    {
        Id = $"tag:{_feeds.TagAuthority}:feed/{definition.Path}",
        Title = definition.Title,
        Subtitle = _feeds.Subtitle,
        Language = _site.DefaultLanguage,
        HomePageUrl = _site.BaseUri.AbsoluteUri,
        SelfUrl = format => UrlOf(definition, format),
        // An empty feed still needs a stable 'updated': the epoch, not "now", so rebuilds give the same bytes.
        Updated = items.Count == 0 ? Local(DateTimeOffset.UnixEpoch) : items.Max(e => e.Updated),
        Publisher = _site.Title,
        IconUrl = _feeds.IconUrl,
        LogoUrl = _feeds.LogoUrl,
        HubUrl = _feeds.HubUrl,
        TimeToLiveMinutes = (int)Math.Ceiling(_feeds.CacheMaxAge.TotalMinutes),
        Entries = items,
    };

    private FeedEntry ToEntry(Article article)
    {
        var premium = article.Access == ArticleAccess.Premium;
        var image = article.ImageUrl is null ? "" : $"<p><img src=\"{HtmlText.Encode(article.ImageUrl)}\" alt=\"\" /></p>\n";
        var content = premium
            // Never the paywalled text: the teaser everyone may read and a link to the article.
            ? $"{image}<p>{HtmlText.Encode(article.Summary)}</p>\n<p><a href=\"{HtmlText.Encode(article.CanonicalUrl)}\">{HtmlText.Encode(_feeds.PremiumLinkText)}</a></p>"
            : image + article.ContentHtml;
        return new FeedEntry
        {
            Id = $"tag:{_feeds.TagAuthority}:article/{article.Id}",
            Title = article.Title,
            Url = article.CanonicalUrl,
            Published = Local(article.PublishedAt),
            Updated = Local(article.UpdatedAt),
            Authors = article.Authors,
            Categories = article.Section is null ? article.Tags : [SectionOf(article.Section), .. article.Tags],
            Summary = article.Summary,
            ContentHtml = content,
            Language = article.Language,
            ImageUrl = article.ImageUrl,
            ImageType = article.ImageUrl is null ? null : ImageTypeOf(article.ImageUrl),
            IsPremium = premium,
        };
    }

    /// <summary>The configured spelling of a section (rows stored before sections were matched may spell it otherwise).</summary>
    private string SectionOf(string section) => sectionNames?.Canonical(section) ?? section;

    /// <summary>Instants carry the magazine's real offset (+01:00 / +02:00 in Paris), never a fake "Z".</summary>
    private DateTimeOffset Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, magazineTime.Zone);

    private string MonthOf(Article article) => MonthOf(article.PublishedAt);

    private string MonthOf(DateTimeOffset instant) => Local(instant).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static string? ImageTypeOf(string url)
    {
        var path = new Uri(url).AbsolutePath.ToLowerInvariant();
        return Path.GetExtension(path) switch
        {
            ".jpg" or ".jpeg" => "image/jpeg",
            ".png" => "image/png",
            ".gif" => "image/gif",
            ".webp" => "image/webp",
            ".avif" => "image/avif",
            ".svg" => "image/svg+xml",
            _ => null,
        };
    }
}
