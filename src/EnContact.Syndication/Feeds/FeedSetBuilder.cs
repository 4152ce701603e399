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
/// What a build publishes at one moment: the subscription feeds (each with the articles it takes) and
/// the complete months of the archive, oldest first. Cheap to work out from a <see cref="FeedArticles"/>;
/// comparing two plans tells which archive pages and links a change of months touches.
/// </summary>
public sealed record FeedPlan(IReadOnlyList<FeedPlan.Subscription> Subscriptions, IReadOnlyList<string> CompleteMonths)
{
    /// <summary>A subscription feed and which articles it holds (its newest Feeds:ItemCount of them).</summary>
    public sealed record Subscription(FeedDefinition Definition, Func<FeedArticle, bool> Includes);

    /// <summary>Every feed's path under <c>/feeds/</c> without extension, archive pages included.</summary>
    public IEnumerable<string> Paths => Subscriptions.Select(s => s.Definition.Path).Concat(CompleteMonths.Select(ArchivePath));

    public static string ArchivePath(string month) => $"archive/{month}";
}

/// <summary>
/// Renders every feed from the published articles: the site-wide feed, one per section and per tag
/// (newest <see cref="FeedsOptions.ItemCount"/> items each, in RSS, Atom and JSON Feed), and the
/// RFC 5005 archive of the site-wide feed, one page per completed calendar month in magazine time;
/// and the feed of the weekly letter's archive (<c>FeedSetBuilder.Letters.cs</c>). It renders all of
/// them, or only those a change touches (<see cref="Touched"/>), from the same code, so the two agree.
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
        var set = Index(articles);
        return Render(set, Plan(set), only: null);
    }

    /// <summary>The published ones among <paramref name="articles"/>, ready for feeds.</summary>
    public FeedArticles Index(IEnumerable<Article> articles) =>
        // Each article's entry, month and slugs are its own work: spread over the cores.
        new(articles.Where(a => a.Status == ArticleStatus.Published).AsParallel().Select(Prepare));

    /// <summary>What every feed needs of one published article, worked out once.</summary>
    public FeedArticle Prepare(Article article) => new(article, ToEntry(article), MonthOf(article),
        article.Section is { } section ? Slugs.From(section) : null, [.. article.Tags.Select(Slugs.From)]);

    /// <summary>The feeds <paramref name="articles"/> make now: subscription feeds and complete archive months.</summary>
    public FeedPlan Plan(FeedArticles articles)
    {
        var published = articles.NewestFirst;
        var currentMonth = MonthOf(time.GetUtcNow());
        var months = new HashSet<string>(StringComparer.Ordinal);
        foreach (var article in published)
            if (string.CompareOrdinal(article.Month, currentMonth) < 0)
                months.Add(article.Month);
        return new FeedPlan([.. SubscriptionFeeds(published)], [.. months.Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The feeds whose items <paramref name="article"/>, a member of <paramref name="articles"/>, is
    /// among: those of its section, tags and the site-wide feed where it is one of the newest
    /// <see cref="FeedsOptions.ItemCount"/>, and its month's archive page. Asked of an article just
    /// before it changes and just after, it names every feed that change can alter (an article outside a
    /// feed's newest items both times leaves that feed's items as they were).
    /// </summary>
    public void AddFeedsHolding(FeedArticles articles, FeedArticle article, ISet<string> into)
    {
        into.Add(FeedPlan.ArchivePath(article.Month));
        var index = articles.IndexOf(article);
        var limit = _feeds.ItemCount;
        if (index < limit)
            into.Add(FeedDefinition.AllPath);
        var section = article.SectionSlug is { Length: > 0 } slug ? slug : null;
        var tags = article.TagSlugs.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        // How many newer articles each of its feeds holds, up to the limit (then it is not among the newest).
        var newerInSection = 0;
        var newerInTag = new int[tags.Length];
        var published = articles.NewestFirst;
        for (var i = 0; i < index; i++)
        {
            var other = published[i];
            var open = false;
            if (section is not null && newerInSection < limit)
            {
                if (other.SectionSlug == section)
                    newerInSection++;
                open |= newerInSection < limit;
            }
            for (var t = 0; t < tags.Length; t++)
            {
                if (newerInTag[t] >= limit)
                    continue;
                if (other.TagSlugs.Contains(tags[t]))
                    newerInTag[t]++;
                open |= newerInTag[t] < limit;
            }
            if (!open)
                break;
        }
        if (section is not null && newerInSection < limit)
            into.Add($"sections/{section}");
        for (var t = 0; t < tags.Length; t++)
            if (newerInTag[t] < limit)
                into.Add($"tags/{tags[t]}");
    }

    /// <summary>
    /// Completes <paramref name="touched"/> (the feeds holding the changed articles, from
    /// <see cref="AddFeedsHolding"/>) with what moves between <paramref name="before"/> and
    /// <paramref name="after"/> without an article: a feed renamed (a section is named after its oldest
    /// article, a tag after its newest), and the archive pages and site-wide feed whose RFC 5005 links
    /// move when a month comes or goes; keeps only the feeds of <paramref name="after"/>.
    /// </summary>
    public static IReadOnlySet<string> Touched(FeedPlan before, FeedPlan after, IEnumerable<string> touched)
    {
        var paths = new HashSet<string>(touched, StringComparer.Ordinal);
        var titles = before.Subscriptions.ToDictionary(s => s.Definition.Path, s => s.Definition.Title, StringComparer.Ordinal);
        foreach (var subscription in after.Subscriptions)
            if (!titles.TryGetValue(subscription.Definition.Path, out var title) || title != subscription.Definition.Title)
                paths.Add(subscription.Definition.Path);

        // RFC 5005 links: the site-wide feed points to the newest complete month, each page to its neighbours.
        if (!string.Equals(before.CompleteMonths.LastOrDefault(), after.CompleteMonths.LastOrDefault(), StringComparison.Ordinal))
            paths.Add(FeedDefinition.AllPath);
        var neighbours = Neighbours(before.CompleteMonths);
        foreach (var (month, around) in Neighbours(after.CompleteMonths))
            if (!neighbours.TryGetValue(month, out var was) || was != around)
                paths.Add(FeedPlan.ArchivePath(month));

        paths.IntersectWith(after.Paths);
        return paths;
    }

    private static Dictionary<string, (string? Older, string? Newer)> Neighbours(IReadOnlyList<string> months)
    {
        var around = new Dictionary<string, (string?, string?)>(months.Count, StringComparer.Ordinal);
        for (var i = 0; i < months.Count; i++)
            around[months[i]] = (i > 0 ? months[i - 1] : null, i < months.Count - 1 ? months[i + 1] : null);
        return around;
    }

    /// <summary>
    /// Renders the feeds of <paramref name="plan"/> whose path is in <paramref name="only"/> (all of them
    /// when null), documents in parallel: each is independent of the others.
    /// </summary>
    public IReadOnlyList<RenderedFeed> Render(FeedArticles articles, FeedPlan plan, IReadOnlySet<string>? only)
    {
        var published = articles.NewestFirst;
        var jobs = new List<(FeedModel Model, FeedDefinition Definition, FeedFormat Format)>();

        var completeMonths = plan.CompleteMonths;
        foreach (var (definition, includes) in plan.Subscriptions)
        {
            if (only is not null && !only.Contains(definition.Path))
                continue;
            var items = new List<FeedEntry>(_feeds.ItemCount);
            foreach (var article in published)
            {
                if (!includes(article))
                    continue;
                items.Add(article.Entry);
                if (items.Count == _feeds.ItemCount)
                    break;
            }
            var newestArchive = definition.Path == FeedDefinition.AllPath && completeMonths.Count > 0 ? completeMonths[^1] : null;
            var model = Model(definition, items) with
            {
                PrevArchiveUrl = newestArchive is null ? null : format => UrlOf(ArchiveDefinition(newestArchive), format),
            };
            foreach (var format in FeedFormats.All)
                jobs.Add((model, definition, format));
        }

        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var month in completeMonths)
            if (only is null || only.Contains(FeedPlan.ArchivePath(month)))
                wanted.Add(month);
        if (wanted.Count > 0)
        {
            var byMonth = new Dictionary<string, List<FeedEntry>>(StringComparer.Ordinal);
            foreach (var article in published) // newest first, as the pages list them
                if (wanted.Contains(article.Month))
                    (byMonth.TryGetValue(article.Month, out var list) ? list : byMonth[article.Month] = []).Add(article.Entry);
            var all = FeedDefinition.All(_site.Title);
            for (var i = 0; i < completeMonths.Count; i++)
            {
                var month = completeMonths[i];
                if (!wanted.Contains(month))
                    continue;
                var definition = ArchiveDefinition(month);
                var older = i > 0 ? ArchiveDefinition(completeMonths[i - 1]) : null;
                var newer = i < completeMonths.Count - 1 ? ArchiveDefinition(completeMonths[i + 1]) : null;
                var model = Model(definition, byMonth.GetValueOrDefault(month) ?? []) with
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
                jobs.Add((model, definition, FeedFormat.Atom));
                jobs.Add((model, definition, FeedFormat.Rss));
            }
        }

        var rendered = new RenderedFeed[jobs.Count];
        Parallel.For(0, jobs.Count, i => rendered[i] = Render(jobs[i].Model, jobs[i].Definition, jobs[i].Format));
        return rendered;
    }

    private FeedDefinition ArchiveDefinition(string month) => FeedDefinition.ForMonth(_site.Title, month, MonthOf);

    /// <summary>The site-wide feed, then one per section and one per tag that has published articles.</summary>
    private IEnumerable<FeedPlan.Subscription> SubscriptionFeeds(IReadOnlyList<FeedArticle> published)
    {
        yield return new(FeedDefinition.All(_site.Title), _ => true);
        // One name per section: the configured spelling, else the oldest article's, so a newer article
        // spelt another way never renames the feed.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = published.Count - 1; i >= 0; i--)
            if (published[i].SectionSlug is { Length: > 0 } key && !names.ContainsKey(key))
                names.Add(key, SectionOf(published[i].Article.Section!));
        var sections = new HashSet<string>(StringComparer.Ordinal);
        foreach (var article in published)
            if (article.SectionSlug is { Length: > 0 } slug && sections.Add(slug))
                yield return new(FeedDefinition.ForSection(_site.Title, names[slug]), a => a.SectionSlug == slug);
        if (!_feeds.TagFeeds)
            yield break;
        var tags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var article in published)
            for (var t = 0; t < article.TagSlugs.Count; t++)
                if (article.TagSlugs[t] is { Length: > 0 } slug && tags.Add(slug))
                    yield return new(FeedDefinition.ForTag(_site.Title, article.Article.Tags[t]), a => a.TagSlugs.Contains(slug));
    }

    public string UrlOf(FeedDefinition definition, FeedFormat format) => PublicUrl(definition.FileName(format));

    /// <summary>The public URL of a feed file, from its path under <c>/feeds/</c>.</summary>
    public string PublicUrl(string path) => new Uri(_feeds.PublicUri, "feeds/" + path).AbsoluteUri;

    private RenderedFeed Render(FeedModel model, FeedDefinition definition, FeedFormat format)
    {
        var bytes = format switch
        {
            FeedFormat.Rss => RssFeedWriter.Write(model),
            FeedFormat.Atom => AtomFeedWriter.Write(model),
            _ => JsonFeedWriter.Write(model),
        };
        return new RenderedFeed(definition.FileName(format), format, bytes, UrlOf(definition, format), model.Title, definition.IsArchive);
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
