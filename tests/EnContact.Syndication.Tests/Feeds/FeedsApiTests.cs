using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CodeHollow.FeedReader;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Feeds;

/// <summary>Feeds over real HTTP on loopback: conditional GET, compression, HEAD, rebuild on change, mirror, WebSub.</summary>
[Trait("Speed", "Slow")]
public sealed class FeedsApiTests
{
    private static async Task<Gateway> StartedWithArticlesAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var gateway = await Gateway.CreateAsync(start: true, settings: settings);
        await FeedTestData.SaveAllAsync(gateway);
        await gateway.WaitForFeedsAsync();
        return gateway;
    }

    [Theory]
    [InlineData("/feeds/all.rss", "application/rss+xml")]
    [InlineData("/feeds/all.atom", "application/atom+xml")]
    [InlineData("/feeds/all.json", "application/feed+json")]
    [InlineData("/feeds/sections/indiscretions.atom", "application/atom+xml")]
    [InlineData("/feeds/archive/2026-10.rss", "application/rss+xml")]
    public async Task Get_ServesFeedWithCachingHeaders(string url, string mediaType)
    {
        await using var gateway = await StartedWithArticlesAsync();
        using var anonymous = gateway.NewClient(null);

        var response = await anonymous.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        Assert.NotNull(response.Headers.ETag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.NotNull(response.Content.Headers.LastModified);
        Assert.Equal(url.Contains("/archive/", StringComparison.Ordinal) ? TimeSpan.FromDays(365) : TimeSpan.FromMinutes(15), response.Headers.CacheControl!.MaxAge);
        Assert.True(response.Headers.CacheControl.Public);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        var feed = FeedReader.ReadFromByteArray(await response.Content.ReadAsByteArrayAsync());
        Assert.NotEmpty(feed.Items);
    }

    [Fact]
    public async Task Get_WithMatchingIfNoneMatch_Is304WithoutBody()
    {
        await using var gateway = await StartedWithArticlesAsync();
        using var client = gateway.NewClient(null);
        var first = await client.GetAsync("/feeds/all.atom");

        var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/all.atom");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"other\""));
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var second = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
    }

    [Fact]
    public async Task Get_WithIfModifiedSince_Is304_AndIfNoneMatchMismatchWins()
    {
        await using var gateway = await StartedWithArticlesAsync();
        using var client = gateway.NewClient(null);
        var first = await client.GetAsync("/feeds/all.rss");
        var lastModified = first.Content.Headers.LastModified!.Value;

        var since = new HttpRequestMessage(HttpMethod.Get, "/feeds/all.rss");
        since.Headers.IfModifiedSince = lastModified;
        var older = new HttpRequestMessage(HttpMethod.Get, "/feeds/all.rss");
        older.Headers.IfModifiedSince = lastModified.AddSeconds(-1);
        var mismatch = new HttpRequestMessage(HttpMethod.Get, "/feeds/all.rss");
        mismatch.Headers.IfModifiedSince = lastModified;
        mismatch.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"stale\""));

        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(since)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(older)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(mismatch)).StatusCode);
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("br", "br")]
    [InlineData("gzip, br", "br")]
    [InlineData("br;q=0.5, gzip", "gzip")]
    [InlineData("identity", null)]
    [InlineData("br;q=0, gzip;q=0", null)]
    public async Task Get_PicksThePreCompressedRepresentation(string acceptEncoding, string? expected)
    {
        await using var gateway = await StartedWithArticlesAsync();
        using var handler = new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None };
        using var client = new HttpClient(handler) { BaseAddress = gateway.BaseAddress };
        var plain = await (await client.GetAsync("/feeds/all.atom")).Content.ReadAsByteArrayAsync();

        var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/all.atom");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(expected, response.Content.Headers.ContentEncoding.SingleOrDefault());
        var decoded = expected switch
        {
            "gzip" => Decompress(body, s => new GZipStream(s, CompressionMode.Decompress)),
            "br" => Decompress(body, s => new BrotliStream(s, CompressionMode.Decompress)),
            _ => body,
        };
        Assert.Equal(plain, decoded);
        if (expected is not null)
        {
            Assert.True(body.Length < plain.Length);
            Assert.EndsWith(expected == "br" ? "-br\"" : "-gz\"", response.Headers.ETag!.Tag);
        }
    }

    [Fact]
    public async Task Get_AcceptingBothEncodings_ServesTheSmallerOneOfEachDocument()
    {
        // The magazine's sample articles: real prose, where Brotli at the level used often loses to gzip.
        await using var gateway = await Gateway.CreateAsync(start: true);
        SampleArticles.CopySampleContentTo(gateway.ContentPath);
        await gateway.ScanAsync();
        await gateway.WaitForFeedsAsync();
        using var handler = new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None };
        using var client = new HttpClient(handler) { BaseAddress = gateway.BaseAddress };
        async Task<(string? Encoding, int Length)> GetAsync(string path, string acceptEncoding)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/" + path);
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
            var response = await client.SendAsync(request);
            return (response.Content.Headers.ContentEncoding.SingleOrDefault(), (await response.Content.ReadAsByteArrayAsync()).Length);
        }

        var gzipSmaller = 0;
        foreach (var path in gateway.Feeds.Current.Documents.Keys)
        {
            var gzip = await GetAsync(path, "gzip");
            var brotli = await GetAsync(path, "br");
            var both = await GetAsync(path, "gzip, deflate, br, zstd");

            Assert.Equal(("gzip", "br"), (gzip.Encoding, brotli.Encoding));
            Assert.Equal(Math.Min(gzip.Length, brotli.Length), both.Length);
            Assert.Equal(brotli.Length < gzip.Length ? "br" : "gzip", both.Encoding);
            if (gzip.Length <= brotli.Length)
                gzipSmaller++;
        }
        Assert.True(gzipSmaller > 0, "some documents compress better with gzip than with Brotli at the level used");
    }

    [Fact]
    public async Task Get_ArchivePageCompressedOnFirstAsk_ServesItsOwnBytes_AndKeepsTheFormAcrossARebuild()
    {
        await using var gateway = await StartedWithArticlesAsync();
        using var client = gateway.NewClient(null);
        var before = gateway.Feeds.Current.Documents["archive/2026-10.rss"];
        Assert.False(before.IsCompressed); // a complete month costs no compression until someone asks for it compressed
        Assert.All(gateway.Feeds.Current.Documents.Values.Where(d => !d.IsArchive), d => Assert.True(d.IsCompressed, d.Path));

        var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/archive/2026-10.rss");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
        var response = await client.SendAsync(request);
        await using (var unzip = new System.IO.Compression.GZipStream(await response.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress))
        using (var bytes = new MemoryStream())
        {
            await unzip.CopyToAsync(bytes);
            Assert.Equal(before.Identity, bytes.ToArray());
        }
        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
        Assert.True(before.IsCompressed);

        await FeedTestData.SaveAsync(gateway, "ec-new", new EnContact.Syndication.Ingestion.ArticleDraft { Title = "Un nouvel article", Published = "2026-11-26 10:00", BodyMarkdown = "Texte." });
        await gateway.WaitForFeedsAsync();
        Assert.Same(before, gateway.Feeds.Current.Documents["archive/2026-10.rss"]);
    }

    [Fact]
    public async Task Get_CompleteMonthArchive_IsImmutableForAYear_SubscriptionFeedsKeepCacheMaxAge()
    {
        await using var gateway = await StartedWithArticlesAsync(new Dictionary<string, string?> { ["Feeds:CacheMaxAge"] = "00:10:00" });
        using var client = gateway.NewClient(null);

        var archive = await client.GetAsync("/feeds/archive/2026-10.rss");
        var all = await client.GetAsync("/feeds/all.atom");
        var conditional = new HttpRequestMessage(HttpMethod.Get, "/feeds/archive/2026-10.rss");
        conditional.Headers.IfNoneMatch.Add(archive.Headers.ETag!);
        var notModified = await client.SendAsync(conditional);

        Assert.Equal("public, max-age=31536000, immutable", archive.Headers.CacheControl!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", notModified.Headers.CacheControl!.ToString());
        Assert.Equal("public, max-age=600", all.Headers.CacheControl!.ToString());
    }

    [Theory]
    [InlineData("/feeds/all.json")]
    [InlineData("/feeds/all.atom")]
    [InlineData("/feeds/sections/indiscretions.rss")]
    [InlineData("/feeds/archive/2026-10.atom")]
    public async Task Get_Feed_AllowsAnyOriginToReadIt(string url)
    {
        await using var gateway = await StartedWithArticlesAsync();
        using var client = gateway.NewClient(null);
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Origin", "https://lecteur.example");

        var response = await client.SendAsync(request);
        var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.Add("Origin", "https://lecteur.example");
        conditional.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        var notModified = await client.SendAsync(conditional);

        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal("*", notModified.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False((await client.GetAsync("/api/articles")).Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Head_HasHeadersButNoBody()
    {
        await using var gateway = await StartedWithArticlesAsync();
        using var client = gateway.NewClient(null);

        var get = await client.GetAsync("/feeds/all.json");
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/feeds/all.json"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Equal(get.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_UnknownFeed_Is404()
    {
        await using var gateway = await StartedWithArticlesAsync();

        var response = await gateway.NewClient(null).GetAsync("/feeds/sections/nope.atom");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ArticleChange_RebuildsFeeds_NewETagAndItemFirst()
    {
        await using var gateway = await StartedWithArticlesAsync();
        using var client = gateway.NewClient(null);
        var before = await client.GetAsync("/feeds/all.atom");
        var archiveBefore = await client.GetAsync("/feeds/archive/2026-10.atom");

        var put = await gateway.Client.PutAsJsonAsync("/api/articles/ec-breaking", new { title = "Dernière minute", published = "2026-11-27 09:30", contentMarkdown = "Vite." });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await gateway.WaitForFeedsAsync();
        var after = await client.GetAsync("/feeds/all.atom");
        var archiveAfter = await client.GetAsync("/feeds/archive/2026-10.atom");

        Assert.NotEqual(before.Headers.ETag, after.Headers.ETag);
        Assert.Equal(archiveBefore.Headers.ETag, archiveAfter.Headers.ETag);
        Assert.Equal(archiveBefore.Content.Headers.LastModified, archiveAfter.Content.Headers.LastModified);
        var feed = FeedReader.ReadFromByteArray(await after.Content.ReadAsByteArrayAsync());
        Assert.Equal("tag:en-contact.com,2026:article/ec-breaking", feed.Items[0].Id);

        var conditional = new HttpRequestMessage(HttpMethod.Get, "/feeds/all.atom");
        conditional.Headers.IfNoneMatch.Add(before.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(conditional)).StatusCode);
    }

    [Fact]
    public async Task Feeds_AreNotRateLimited()
    {
        await using var gateway = await StartedWithArticlesAsync(new Dictionary<string, string?> { ["Admin:PublicRequestsPerMinute"] = "1" });
        using var client = gateway.NewClient(null);

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            codes.Add((await client.GetAsync("/feeds/all.atom")).StatusCode);

        Assert.All(codes, c => Assert.Equal(HttpStatusCode.OK, c));
    }

    [Fact]
    public async Task HomePage_CarriesAutodiscoveryLinks()
    {
        await using var gateway = await StartedWithArticlesAsync();
        using var client = gateway.NewClient(null);

        var parser = new AngleSharp.Html.Parser.HtmlParser();
        var home = parser.ParseDocument(await client.GetStringAsync("/"));
        var index = parser.ParseDocument(await client.GetStringAsync("/feeds"));

        var advertised = home.QuerySelectorAll("head link[rel=alternate]").Select(l => (l.GetAttribute("type"), l.GetAttribute("href"))).ToList();
        Assert.Contains(("application/atom+xml", "https://flux.en-contact.com/feeds/all.atom"), advertised);
        Assert.Contains(("application/rss+xml", "https://flux.en-contact.com/feeds/all.rss"), advertised);
        Assert.Contains(("application/feed+json", "https://flux.en-contact.com/feeds/all.json"), advertised);
        var listed = index.QuerySelectorAll("main a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains("https://flux.en-contact.com/feeds/sections/indiscretions.atom", listed);
        Assert.Contains("https://flux.en-contact.com/feeds/tags/crm.rss", listed);
    }

    [Fact]
    public async Task Mirror_HoldsTheServedBytesAndDropsFeedsThatAreGone()
    {
        await using var gateway = await StartedWithArticlesAsync();
        using var client = gateway.NewClient(null);
        var served = await client.GetByteArrayAsync("/feeds/sections/entretiens.atom");
        var mirrored = Path.Combine(gateway.MirrorPath, "sections", "entretiens.atom");
        Assert.Equal(served, await File.ReadAllBytesAsync(mirrored));
        File.WriteAllText(Path.Combine(gateway.MirrorPath, "unrelated.txt"), "not ours");

        await gateway.Articles.MarkDeletedAsync("ec-premium", CancellationToken.None);
        await gateway.WaitForFeedsAsync();

        Assert.False(File.Exists(mirrored));
        Assert.True(File.Exists(Path.Combine(gateway.MirrorPath, "unrelated.txt")));
        Assert.Empty(Directory.EnumerateFiles(gateway.MirrorPath, "*.tmp-*", SearchOption.AllDirectories));
        Assert.Equal(await client.GetByteArrayAsync("/feeds/all.atom"), await File.ReadAllBytesAsync(Path.Combine(gateway.MirrorPath, "all.atom")));
    }

    [Fact]
    public async Task Restart_KeepsLastModifiedOfUnchangedFeeds()
    {
        using var folder = new TempDirectory();
        DateTimeOffset? firstLastModified;
        await using (var first = await Gateway.CreateAsync(start: true, folder: folder))
        {
            await FeedTestData.SaveAllAsync(first);
            await first.WaitForFeedsAsync();
            firstLastModified = (await first.NewClient(null).GetAsync("/feeds/all.atom")).Content.Headers.LastModified;
        }

        await using var second = await Gateway.CreateAsync(start: true, folder: folder);
        second.Clock!.Advance(TimeSpan.FromHours(3));
        await second.WaitForFeedsAsync();
        var again = await second.NewClient(null).GetAsync("/feeds/all.atom");

        Assert.Equal(firstLastModified, again.Content.Headers.LastModified);
    }

    [Fact]
    public async Task Hub_IsAdvertisedAndNotifiedWithRetry()
    {
        await using var hub = await TestHub.StartAsync(failFirst: 1);
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: new Dictionary<string, string?>
        {
            ["Feeds:HubUrl"] = hub.Url,
            ["Feeds:HubRetryDelay"] = "00:00:00.010",
        });
        // Every feed of the first build is announced once (the first attempt fails and is retried).
        var startup = gateway.Feeds.Current.Documents.Keys.Where(k => !k.StartsWith("archive/", StringComparison.Ordinal))
            .Select(k => "https://flux.en-contact.com/feeds/" + k).ToArray();

        await FeedTestData.SaveAsync(gateway, "ec-hub", new EnContact.Syndication.Ingestion.ArticleDraft { Title = "Pour le hub", Published = "2026-11-20 09:30", Section = "hub", BodyMarkdown = "x" });
        var topics = await hub.WaitForTopicsAsync([.. startup, "https://flux.en-contact.com/feeds/sections/hub.atom", "https://flux.en-contact.com/feeds/sections/hub.rss"]);

        Assert.Contains("https://flux.en-contact.com/feeds/all.json", topics);
        Assert.True(hub.Failures >= 1);
        var response = await gateway.NewClient(null).GetAsync("/feeds/all.atom");
        Assert.Contains($"<{hub.Url}>; rel=\"hub\"", response.Headers.GetValues("Link").Single());
        var atom = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<link rel=\"hub\" href=\"{hub.Url}\" />", atom);
    }

    [Fact]
    public async Task Hub_IsAdvertisedOnlyOnTheDocumentsItIsToldAbout()
    {
        await using var hub = await TestHub.StartAsync();
        await using var gateway = await StartedWithArticlesAsync(new Dictionary<string, string?> { ["Feeds:HubUrl"] = hub.Url });
        using var client = gateway.NewClient(null);

        var all = await client.GetAsync("/feeds/all.atom");
        Assert.Contains($"<{hub.Url}>; rel=\"hub\"", all.Headers.GetValues("Link").Single());
        Assert.Contains("rel=\"hub\"", await all.Content.ReadAsStringAsync());
        foreach (var archive in new[] { "/feeds/archive/2026-10.atom", "/feeds/archive/2026-10.rss" })
        {
            // Archive pages never change, so the hub is never told about them: they must not send subscribers to it.
            var response = await client.GetAsync(archive);
            Assert.False(response.Headers.Contains("Link"), archive);
            Assert.DoesNotContain("rel=\"hub\"", await response.Content.ReadAsStringAsync());
        }
    }

    private static byte[] Decompress(byte[] body, Func<Stream, Stream> decompressor)
    {
        using var output = new MemoryStream();
        using (var stream = decompressor(new MemoryStream(body)))
            stream.CopyTo(output);
        return output.ToArray();
    }
}
