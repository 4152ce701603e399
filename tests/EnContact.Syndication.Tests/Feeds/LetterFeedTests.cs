using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using CodeHollow.FeedReader;
using CodeHollow.FeedReader.Feeds;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Feeds;

/// <summary>
/// The feed of the weekly letter's archive (<c>/digests/feed.atom</c>), over real HTTP: built with the
/// other feeds from the published editions, served like them, read back by independent parsers.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class LetterFeedTests
{
    private const string FeedPath = "/digests/feed.atom";
    private const string FeedUrl = "https://lettre.en-contact.com/digests/feed.atom";
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    /// <summary>The week's articles, one reader, and the Monday edition built and queued: letter n° 1 is public.</summary>
    private static async Task PublishFirstLetterAsync(Gateway gateway)
    {
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lecteur@exemple.fr", null));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(CancellationToken.None);
        await gateway.WaitForFeedsAsync();
    }

    [Fact]
    public async Task Get_NoLetterYet_IsValidAtomDatedWhenTheArchiveOpened()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await gateway.NewClient(null).GetAsync(FeedPath);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var root = XDocument.Parse(Encoding.UTF8.GetString(bytes)).Root!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType!.MediaType);
        Assert.Empty(FeedReader.ReadFromByteArray(bytes).Items);
        Assert.Equal("En-Contact", root.Element(Atom + "author")!.Element(Atom + "name")!.Value); // Atom requires an author
        Assert.Equal("2026-11-27T10:00:00+01:00", root.Element(Atom + "updated")!.Value); // when the gateway started keeping letters
        Assert.Equal("tag:en-contact.com,2026:digests", root.Element(Atom + "id")!.Value);
        Assert.Equal(FeedUrl, Link(root, "self"));
        Assert.Equal("https://lettre.en-contact.com/digests", Link(root, "alternate"));
    }

    [Fact]
    public async Task Get_PublishedLetter_ReadBackIndependently_HasIdsParisDatesAuthorAndArticleLinks()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await PublishFirstLetterAsync(gateway);

        var bytes = await gateway.NewClient(null).GetByteArrayAsync(FeedPath);
        var feed = FeedReader.ReadFromByteArray(bytes);
        var root = XDocument.Parse(Encoding.UTF8.GetString(bytes)).Root!;

        Assert.Equal(FeedType.Atom, feed.Type);
        Assert.Equal("En-Contact — la lettre", feed.Title);
        var item = Assert.Single(feed.Items);
        Assert.Equal("tag:en-contact.com,2026:digest/1", item.Id);
        Assert.Equal(("La lettre d’En-Contact n° 1 — 30 novembre 2026", "https://lettre.en-contact.com/digests/1"), (item.Title, item.Link));
        var entry = (AtomFeedItem)item.SpecificItem;
        Assert.Equal("2026-11-30T08:01:00+01:00", entry.PublishedDateString); // when it went out, in Paris time
        Assert.Equal("2026-11-30T08:01:00+01:00", entry.UpdatedDateString);
        Assert.Equal("2026-11-30T08:01:00+01:00", root.Element(Atom + "updated")!.Value);
        Assert.Contains("<a href=\"https://www.en-contact.com/articles/barometre-2026-du-nearshore\">Baromètre 2026 du nearshore</a>", item.Content);
        Assert.Contains(">Relation client : l’IA &gt; le script &amp; le reste</a>", root.Element(Atom + "entry")!.Element(Atom + "content")!.Value); // HTML, escaped once
        Assert.Contains("Baromètre 2026 du nearshore", item.Description);
        Assert.Equal(["analyses", "études", "indiscrétions"], item.Categories);
        Assert.Equal("text", root.Element(Atom + "entry")!.Element(Atom + "title")!.Attribute("type")!.Value);
    }

    [Fact]
    public async Task Get_IsServedLikeEveryFeed_ConditionalCompressedCachedAndNotRateLimited()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Admin:PublicRequestsPerMinute"] = "1" });
        await PublishFirstLetterAsync(gateway);
        using var handler = new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None };
        using var client = new HttpClient(handler) { BaseAddress = gateway.BaseAddress };

        var first = await client.GetAsync(FeedPath);
        var plain = await first.Content.ReadAsByteArrayAsync();
        var conditional = new HttpRequestMessage(HttpMethod.Get, FeedPath);
        conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var notModified = await client.SendAsync(conditional);
        var since = new HttpRequestMessage(HttpMethod.Get, FeedPath);
        since.Headers.IfModifiedSince = first.Content.Headers.LastModified;
        var gzip = new HttpRequestMessage(HttpMethod.Get, FeedPath);
        gzip.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        var compressed = await client.SendAsync(gzip);
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, FeedPath));
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            codes.Add((await client.GetAsync(FeedPath)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(first.Headers.ETag!.IsWeak);
        Assert.NotNull(first.Content.Headers.LastModified);
        Assert.Equal("public, max-age=900", first.Headers.CacheControl!.ToString());
        Assert.Contains("Accept-Encoding", first.Headers.Vary);
        Assert.Equal("*", first.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("utf-8", first.Content.Headers.ContentType!.CharSet);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(since)).StatusCode);
        Assert.Equal("gzip", compressed.Content.Headers.ContentEncoding.Single());
        using (var stream = new GZipStream(await compressed.Content.ReadAsStreamAsync(), CompressionMode.Decompress))
        using (var output = new MemoryStream())
        {
            await stream.CopyToAsync(output);
            Assert.Equal(plain, output.ToArray());
        }
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(plain.Length, head.Content.Headers.ContentLength);
        Assert.All(codes, c => Assert.Equal(HttpStatusCode.OK, c));
    }

    [Fact]
    public async Task NewLetter_RebuildsTheFeed_AndTheHubIsToldAboutIt()
    {
        await using var hub = await TestHub.StartAsync();
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Feeds:HubUrl"] = hub.Url });
        using var client = gateway.NewClient(null);
        var before = await client.GetAsync(FeedPath);

        await PublishFirstLetterAsync(gateway);
        await hub.WaitForTopicsAsync([FeedUrl]);
        var after = await client.GetAsync(FeedPath);

        Assert.NotEqual(before.Headers.ETag, after.Headers.ETag);
        Assert.Single(FeedReader.ReadFromByteArray(await after.Content.ReadAsByteArrayAsync()).Items);
        Assert.Equal($"<{hub.Url}>; rel=\"hub\", <{FeedUrl}>; rel=\"self\"", after.Headers.GetValues("Link").Single());
        Assert.Equal(hub.Url, Link(XDocument.Parse(await after.Content.ReadAsStringAsync()).Root!, "hub"));
    }

    [Fact]
    public async Task EditionApprovedByAnotherProcess_ReachesTheFeedAtTheSchedulersNextTick()
    {
        using var folder = new TempDirectory();
        var settings = new Dictionary<string, string?> { ["Digest:RequireApproval"] = "true" };
        await using var gateway = await Gateway.CreateAsync(start: true, folder: folder, settings: settings);
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lecteur@exemple.fr", null));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        var scheduler = gateway.Services.GetRequiredService<DigestScheduler>();
        await scheduler.TickAsync(CancellationToken.None);

        // "digest approve" runs in a process of its own on the same database.
        await using (var cli = await Gateway.CreateAsync(folder: folder, settings: settings))
            Assert.NotNull(await cli.Services.GetRequiredService<DigestEditions>().ApproveAsync("2026-11-30-0800", CancellationToken.None));
        await scheduler.TickAsync(CancellationToken.None);
        await gateway.WaitForFeedsAsync();

        var feed = FeedReader.ReadFromByteArray(await gateway.NewClient(null).GetByteArrayAsync(FeedPath));
        Assert.Equal("tag:en-contact.com,2026:digest/1", Assert.Single(feed.Items).Id);
    }

    [Fact]
    public async Task FeedsIndex_ListsTheLetterFeed()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var index = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await gateway.NewClient(null).GetStringAsync("/feeds"));

        var link = Assert.Single(index.QuerySelectorAll("head link[rel=alternate]"), l => l.GetAttribute("href") == FeedUrl);
        Assert.Equal("application/atom+xml", link.GetAttribute("type"));
        Assert.Contains("lettre", link.GetAttribute("title"));
        Assert.Contains(index.QuerySelectorAll("main a"), a => a.GetAttribute("href") == FeedUrl);
    }

    private static string? Link(XElement parent, string relation) =>
        parent.Elements(Atom + "link").FirstOrDefault(l => (string?)l.Attribute("rel") == relation)?.Attribute("href")?.Value;
}
