using EnContact.Syndication.Feeds;
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
/// one exactly as readers got it but without any personal link, <c>/digests/feed.atom</c> is its feed
/// (built and served with the other feeds, from <see cref="DigestLetters"/>). Editions waiting for
/// approval are not public.
/// </summary>
public static class DigestArchivePages
{
    /// <summary>Where the archive's feed is, relative to the public URL.</summary>
    public const string FeedPath = "digests/feed.atom";

    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapDigestArchive(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/digests").RequireRateLimiting(BaseSetup.PublicRateLimit).WithTags("Digest archive");
        pages.MapGet("/", Archive);
        pages.MapGet("/{number:int}", WebVersion);
        // A feed like the others: pre-rendered, never rate-limited, past the middleware.
        app.MapMethods("/" + FeedPath, [HttpMethods.Get, HttpMethods.Head], FeedsApi.Serve(app.ServiceProvider, static (snapshot, _) => snapshot.Letters))
            .ExcludeFromDescription().ShortCircuit();
        return app;
    }

    private static async Task<IResult> Archive(HttpContext http, DigestStore store, DigestRenderer renderer, PageRenderer pages, SubscriberLinks links, CancellationToken cancellationToken)
    {
        var editions = (await store.PublishedAsync(cancellationToken))
            .Select(e => new ArchiveEntry(e.Snapshot.Number, e.Snapshot.DateText, e.Snapshot.Subject, e.Snapshot.ItemCount, renderer.WebVersionUrl(e.Snapshot.Number)))
            .ToList();
        var feedUrl = links.Absolute(FeedPath);
        // The archive's own feed comes first in the page's autodiscovery links.
        var chrome = pages.Chrome with { Feeds = [new AlternateLink($"{pages.Chrome.SiteTitle} — les lettres", "application/atom+xml", feedUrl), .. pages.Chrome.Feeds] };
        return await pages.RenderAsync(http, "DigestArchive", new DigestArchivePageModel
        {
            Chrome = chrome, Title = "Les lettres", Indexable = true, Editions = editions, FeedUrl = feedUrl, SubscribePath = links.Path("subscribe"),
        }, publicFor: CacheFor);
    }

    private static async Task<IResult> WebVersion(int number, HttpContext http, DigestStore store, DigestRenderer renderer, CancellationToken cancellationToken)
    {
        if (await store.GetByNumberAsync(number, cancellationToken) is not { Snapshot: { } snapshot } found || !EditionStatuses.WentOut.Contains(found.Edition.Status))
            return TypedResults.NotFound(); // the error pages answer: a French page to browsers, problem details to programs
        return PageRenderer.Html(http, await renderer.WebVersionAsync(snapshot), publicFor: CacheFor);
    }
}
