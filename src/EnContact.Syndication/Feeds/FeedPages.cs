using EnContact.Syndication.Templating;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Feeds;

/// <summary>One feed as the pages list it: a human name and its address in each format.</summary>
public sealed record FeedLine(string Name, string AtomUrl, string RssUrl, string JsonUrl);

/// <summary>A letter that went out, as the home page lists it.</summary>
public sealed record LetterLine(int Number, string DateText, string Url);

/// <summary>pages/Home.cshtml: what the magazine is, the letter, the latest letters, the main feeds.</summary>
public sealed record HomePageModel : PageModel
{
    public required string Subtitle { get; init; }
    public required IReadOnlyList<LetterLine> Letters { get; init; }
    public required FeedLine AllArticles { get; init; }
    public string? LetterFeedUrl { get; init; }
}

/// <summary>pages/Feeds.cshtml: every feed, the site-wide one, the letter's, one line per section and per tag.</summary>
public sealed record FeedsPageModel : PageModel
{
    public required FeedLine AllArticles { get; init; }
    public string? LetterFeedUrl { get; init; }
    public required IReadOnlyList<FeedLine> Sections { get; init; }
    public required IReadOnlyList<FeedLine> Tags { get; init; }
}

/// <summary>
/// The reader's front door: <c>/</c> and <c>/feeds</c>, rendered from the current feed snapshot (no
/// database read). Their heads advertise only the main feeds — every article in three formats and the
/// letter — not one link per tag, which feed readers would offer as a long, confusing list.
/// </summary>
public static class FeedPages
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    public static async Task<IResult> HomeAsync(HttpContext http, FeedCache cache, PageRenderer pages, IOptions<FeedsOptions> feeds, [Microsoft.AspNetCore.Mvc.FromServices] MagazineTime time)
    {
        var snapshot = cache.Current;
        var (all, _, _) = Lines(snapshot, pages.Chrome.SiteTitle);
        return await pages.RenderAsync(http, "Home", new HomePageModel
        {
            Chrome = ChromeWithLetters(pages.Chrome, snapshot), Title = "Accueil", Indexable = true,
            Subtitle = feeds.Value.Subtitle, AllArticles = all, LetterFeedUrl = snapshot.Letters?.Url,
            Letters = [.. snapshot.LatestLetters.Select(l => new LetterLine(l.Number, FrenchText.LongDate(l.SentAt, time.Zone), l.Url))],
        }, publicFor: CacheFor);
    }

    public static async Task<IResult> IndexAsync(HttpContext http, FeedCache cache, PageRenderer pages)
    {
        var snapshot = cache.Current;
        var (all, sections, tags) = Lines(snapshot, pages.Chrome.SiteTitle);
        return await pages.RenderAsync(http, "Feeds", new FeedsPageModel
        {
            Chrome = ChromeWithLetters(pages.Chrome, snapshot), Title = "Les flux", Indexable = true,
            AllArticles = all, LetterFeedUrl = snapshot.Letters?.Url, Sections = sections, Tags = tags,
        }, publicFor: CacheFor);
    }

    /// <summary>The site-wide links, then the letter feed's.</summary>
    private static PageChrome ChromeWithLetters(PageChrome chrome, FeedCache.Snapshot snapshot) =>
        snapshot.Letters is { } letters
            ? chrome with { Feeds = [.. chrome.Feeds, new AlternateLink(letters.Title, letters.Format.MediaType(), letters.Url)] }
            : chrome;

    /// <summary>The snapshot's feeds grouped by path (one line per feed, its three formats together), named for readers.</summary>
    private static (FeedLine All, IReadOnlyList<FeedLine> Sections, IReadOnlyList<FeedLine> Tags) Lines(FeedCache.Snapshot snapshot, string siteTitle)
    {
        var lines = snapshot.Documents.Values
            .Where(d => !d.IsArchive)
            .GroupBy(d => d.Path[..d.Path.LastIndexOf('.')], StringComparer.Ordinal)
            .Select(g => (Path: g.Key, Line: new FeedLine(NameOf(g.First().Title, siteTitle), UrlOf(g, FeedFormat.Atom), UrlOf(g, FeedFormat.Rss), UrlOf(g, FeedFormat.Json))))
            .ToList();
        var all = lines.FirstOrDefault(l => l.Path == FeedDefinition.AllPath).Line
            ?? new FeedLine("Tous les articles", "", "", "");
        var comparer = StringComparer.Create(FrenchText.Culture, System.Globalization.CompareOptions.IgnoreCase);
        IReadOnlyList<FeedLine> Of(string prefix) =>
            [.. lines.Where(l => l.Path.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l.Line).OrderBy(l => l.Name, comparer)];
        return (all with { Name = "Tous les articles" }, Of("sections/"), Of("tags/"));
    }

    private static string UrlOf(IEnumerable<FeedDocument> documents, FeedFormat format) =>
        documents.FirstOrDefault(d => d.Format == format)?.Url ?? "";

    /// <summary>"En-Contact — Études" → "Études"; "En-Contact — #crm" → "#crm".</summary>
    private static string NameOf(string title, string siteTitle) =>
        title.StartsWith(siteTitle + " — ", StringComparison.Ordinal) ? title[(siteTitle.Length + 3)..] : title;
}
