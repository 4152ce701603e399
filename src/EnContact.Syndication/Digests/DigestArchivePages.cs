using System.ServiceModel.Syndication;
using System.Text;
using System.Xml;
using EnContact.Syndication.Feeds;
using EnContact.Syndication.Hosting;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Templating;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Digests;

/// <summary>Model of <c>templates/pages/DigestArchive.cshtml</c>.</summary>
public sealed record DigestArchivePageModel : PageModel
{
    public required IReadOnlyList<ArchiveEntry> Editions { get; init; }
    public required string FeedUrl { get; init; }
    public required string SubscribePath { get; init; }
}

public sealed record ArchiveEntry(int Number, string DateText, string Subject, int ItemCount, string Url);

/// <summary>
/// The public archive: <c>/digests</c> lists the editions that went out, <c>/digests/{number}</c> shows
/// one exactly as readers got it but without any personal link, <c>/digests/feed.atom</c> is its feed.
/// Editions waiting for approval are not public.
/// </summary>
public static class DigestArchivePages
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapDigestArchive(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/digests").RequireRateLimiting(HostingSetup.PublicRateLimit).WithTags("Digest archive");
        pages.MapGet("/", Archive);
        pages.MapGet("/feed.atom", Feed);
        pages.MapGet("/{number:int}", WebVersion);
        return app;
    }

    private static async Task<IResult> Archive(HttpContext http, DigestStore store, DigestRenderer renderer, PageRenderer pages, SubscriberLinks links, CancellationToken cancellationToken)
    {
        var editions = (await store.PublishedAsync(cancellationToken))
            .Select(e => new ArchiveEntry(e.Snapshot.Number, e.Snapshot.DateText, e.Snapshot.Subject, e.Snapshot.ItemCount, renderer.WebVersionUrl(e.Snapshot.Number)))
            .ToList();
        var feedUrl = links.Absolute("digests/feed.atom");
        // The archive's own feed comes first in the page's autodiscovery links.
        var chrome = pages.Chrome with { Feeds = [new AlternateLink($"{pages.Chrome.SiteTitle} — les lettres", "application/atom+xml", feedUrl), .. pages.Chrome.Feeds] };
        return await pages.RenderAsync(http, "DigestArchive", new DigestArchivePageModel
        {
            Chrome = chrome, Title = "Les lettres", Editions = editions, FeedUrl = feedUrl, SubscribePath = links.Path("subscribe"),
        }, publicFor: CacheFor);
    }

    private static async Task<IResult> WebVersion(int number, HttpContext http, DigestStore store, DigestRenderer renderer, CancellationToken cancellationToken)
    {
        if (await store.GetByNumberAsync(number, cancellationToken) is not { Snapshot: { } snapshot } found || !EditionStatusText.WentOut.Contains(found.Edition.Status))
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such letter", detail: $"Letter n° {number} has not been published.");
        return PageRenderer.Html(http, await renderer.WebVersionAsync(snapshot), publicFor: CacheFor);
    }

    private static async Task<IResult> Feed(DigestStore store, DigestRenderer renderer, SubscriberLinks links, IOptions<SiteOptions> site, IOptions<FeedsOptions> feeds, CancellationToken cancellationToken)
    {
        var editions = await store.PublishedAsync(cancellationToken);
        var self = links.Absolute("digests/feed.atom");
        var feed = new SyndicationFeed($"{site.Value.Title} — la lettre", "Les lettres hebdomadaires d’" + site.Value.Title, new Uri(links.Absolute("digests")))
        {
            Id = $"tag:{feeds.Value.TagAuthority}:digests",
            Language = site.Value.DefaultLanguage,
            LastUpdatedTime = editions.Count == 0 ? DateTimeOffset.UnixEpoch : editions.Max(e => e.Snapshot.FireAt),
        };
        feed.Links.Add(new SyndicationLink(new Uri(self), "self", null, "application/atom+xml", 0));
        feed.Items = editions.Select(e =>
        {
            var url = renderer.WebVersionUrl(e.Snapshot.Number);
            var item = new SyndicationItem(e.Snapshot.Subject,
                SyndicationContent.CreatePlaintextContent(string.Join(" · ", e.Snapshot.Sections.SelectMany(s => s.Items).Select(i => i.Title))),
                new Uri(url), $"tag:{feeds.Value.TagAuthority}:digest/{e.Snapshot.Number}", e.Snapshot.FireAt)
            {
                PublishDate = e.Snapshot.FireAt,
            };
            return item;
        }).ToList();
        var buffer = new MemoryStream();
        await using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Async = true }))
        {
            new Atom10FeedFormatter(feed).WriteTo(writer);
            await writer.FlushAsync();
        }
        return TypedResults.Bytes(buffer.ToArray(), "application/atom+xml; charset=utf-8");
    }
}
