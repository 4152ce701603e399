using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CodeHollow.FeedReader;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Feeds;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Feeds;

/// <summary>
/// The rebuild after a change renders only the feeds the change touches: whatever the change, the
/// served feeds are byte for byte what a full build of the same store renders, read back by an
/// independent parser, and the feeds it did not touch keep their ETag and Last-Modified.
/// </summary>
public sealed class FeedPublisherTests
{
    private static readonly Dictionary<string, string?> InformationLogs = new()
    {
        ["Logging:LogLevel:EnContact.Syndication.Feeds.FeedPublisher"] = "Information",
    };

    private static ArticleDraft Draft(string id) => FeedTestData.Articles.Single(a => a.Id == id).Draft;

    private static readonly string[] ChangeKinds =
    [
        "edit the newest article", "edit the oldest article", "delete the only article of a month, section and tag", "delete the newest article",
        "move an article to another section", "move an article to another month", "remove a tag", "make a free article premium",
        "make a premium article free", "publish an article in a new month", "turn a published article back into a draft",
        "rename a tag's newest spelling", "respell the oldest article's section", "publish many articles at once",
    ];

    /// <summary>
    /// Changes the store the way editors do, one kind of change per case; with the usual item count and
    /// with one item per feed, where most articles are outside the feeds' newest items.
    /// </summary>
    public static TheoryData<string, int> Changes()
    {
        var data = new TheoryData<string, int>();
        foreach (var change in ChangeKinds)
            foreach (var itemCount in new[] { 50, 1 })
                data.Add(change, itemCount);
        return data;
    }

    private static async Task ChangeAsync(Gateway gateway, string change)
    {
        var store = gateway.Articles;
        switch (change)
        {
            case "edit the newest article":
                await FeedTestData.SaveAsync(gateway, "ec-free", Draft("ec-free") with { Title = "Titre corrigé", Updated = "2026-11-26 10:00" });
                break;
            case "edit the oldest article":
                await FeedTestData.SaveAsync(gateway, "ec-september", Draft("ec-september") with { Title = "Rentrée (corrigé)", Updated = "2026-11-26 10:00" });
                break;
            case "delete the newest article":
                Assert.True(await store.MarkDeletedAsync("ec-free", CancellationToken.None));
                break;
            case "respell the oldest article's section":
                await FeedTestData.SaveAsync(gateway, "ec-september", Draft("ec-september") with { Section = "Analysés" });
                break;
            case "delete the only article of a month, section and tag":
                Assert.True(await store.MarkDeletedAsync("ec-october", CancellationToken.None));
                break;
            case "move an article to another section":
                await FeedTestData.SaveAsync(gateway, "ec-free", Draft("ec-free") with { Section = "entretiens" });
                break;
            case "move an article to another month":
                await FeedTestData.SaveAsync(gateway, "ec-september", Draft("ec-september") with { Published = "2026-10-02 07:00" });
                break;
            case "remove a tag":
                await FeedTestData.SaveAsync(gateway, "ec-free", Draft("ec-free") with { Tags = ["ia"] });
                break;
            case "make a free article premium":
                await FeedTestData.SaveAsync(gateway, "ec-free", Draft("ec-free") with { Access = "premium" });
                break;
            case "make a premium article free":
                await FeedTestData.SaveAsync(gateway, "ec-premium", Draft("ec-premium") with { Access = "free" });
                break;
            case "publish an article in a new month":
                await FeedTestData.SaveAsync(gateway, "ec-august", new ArticleDraft
                {
                    Title = "Bilan de l’été", Published = "2026-08-20 08:00", Section = "analyses", Tags = ["Été"], BodyMarkdown = "L’été.",
                });
                break;
            case "turn a published article back into a draft":
                await FeedTestData.SaveAsync(gateway, "ec-premium", Draft("ec-premium") with { Draft = true });
                break;
            case "rename a tag's newest spelling":
                await FeedTestData.SaveAsync(gateway, "ec-free", Draft("ec-free") with { Tags = ["IA", "crm"] });
                break;
            case "publish many articles at once":
                for (var i = 0; i < FeedPublisher.IncrementalLimit + 1; i++)
                    await FeedTestData.SaveAsync(gateway, $"ec-bulk-{i}", new ArticleDraft
                    {
                        Title = $"Brève {i}", Published = $"2026-07-{1 + i % 28:00} 08:00", Section = "brèves", BodyMarkdown = "Brève.",
                    });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, null);
        }
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task RebuildAsync_AfterChange_ServesWhatAFullBuildRenders(string change, int itemCount)
    {
        using var logs = new LogCapture();
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?>(InformationLogs) { ["Feeds:ItemCount"] = $"{itemCount}" }, logs: logs);
        await FeedTestData.SaveAllAsync(gateway);
        var publisher = gateway.Services.GetRequiredService<FeedPublisher>();
        var before = await publisher.RebuildAsync(CancellationToken.None);

        await ChangeAsync(gateway, change);
        var after = await publisher.RebuildAsync(CancellationToken.None);

        await AssertSameAsFullBuildAsync(gateway, after);
        AssertReadBack(after);
        var expected = change == "publish many articles at once" ? "(full)" : "(incremental)";
        Assert.Contains(logs.Lines, l => l.Contains("Feeds rebuilt at store version", StringComparison.Ordinal) && l.Contains(expected, StringComparison.Ordinal));
        // Documents whose bytes did not change are the very same ones: same ETag, same Last-Modified.
        foreach (var (path, document) in after.Documents)
            if (before.Documents.TryGetValue(path, out var was) && was.Hash == document.Hash)
                Assert.Same(was, document);
        AssertMirrorHolds(gateway, after);
    }

    [Fact]
    public async Task RebuildAsync_DeletedArticle_DropsItsFeedsArchivePageAndLinks()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);
        var publisher = gateway.Services.GetRequiredService<FeedPublisher>();
        var before = await publisher.RebuildAsync(CancellationToken.None);

        await gateway.Articles.MarkDeletedAsync("ec-october", CancellationToken.None);
        var after = await publisher.RebuildAsync(CancellationToken.None);

        Assert.Contains("tags/bpo.atom", before.Documents.Keys);
        Assert.DoesNotContain(after.Documents.Keys, k => k.StartsWith("tags/bpo.", StringComparison.Ordinal) || k.StartsWith("sections/indiscretions.", StringComparison.Ordinal)
            || k.StartsWith("archive/2026-10.", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(gateway.MirrorPath, "tags", "bpo.atom")));
        var all = FeedReader.ReadFromByteArray(after.Documents["all.atom"].Identity);
        Assert.DoesNotContain(all.Items, i => i.Id.EndsWith("/ec-october", StringComparison.Ordinal));
        // RFC 5005: the site-wide feed now points to September, which has no newer page.
        Assert.Contains("rel=\"prev-archive\" type=\"application/atom+xml\" href=\"https://flux.en-contact.com/feeds/archive/2026-09.atom\"", Text(after, "all.atom"));
        Assert.DoesNotContain("next-archive", Text(after, "archive/2026-09.atom"));
        Assert.Contains("next-archive", Text(before, "archive/2026-09.atom"));
    }

    [Fact]
    public async Task RebuildAsync_OldestArticleOfAnUnlistedSectionRespelt_RenamesTheFeedAsAFullBuildWould()
    {
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?> { ["Feeds:ItemCount"] = "1" });
        var older = new ArticleDraft { Title = "Veille 1", Published = "2026-10-01 08:00", Section = "veille marche", BodyMarkdown = "Un." };
        await FeedTestData.SaveAsync(gateway, "ec-veille-1", older);
        await FeedTestData.SaveAsync(gateway, "ec-veille-2", older with { Title = "Veille 2", Published = "2026-10-08 08:00", Section = "Veille Marché" });
        var publisher = gateway.Services.GetRequiredService<FeedPublisher>();
        var before = await publisher.RebuildAsync(CancellationToken.None);

        // Not among the feed's newest items, but the feed is named after it.
        await FeedTestData.SaveAsync(gateway, "ec-veille-1", older with { Section = "Veille Marché" });
        var after = await publisher.RebuildAsync(CancellationToken.None);

        await AssertSameAsFullBuildAsync(gateway, after);
        Assert.Equal("En-Contact — Veille marche", FeedReader.ReadFromByteArray(before.Documents["sections/veille-marche.atom"].Identity).Title);
        Assert.Equal("En-Contact — Veille Marché", FeedReader.ReadFromByteArray(after.Documents["sections/veille-marche.atom"].Identity).Title);
    }

    [Fact]
    public async Task RebuildAsync_ArticleMovedToAnotherSection_LeavesTheOldFeedAndJoinsTheNew()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);
        var publisher = gateway.Services.GetRequiredService<FeedPublisher>();
        await publisher.RebuildAsync(CancellationToken.None);

        await FeedTestData.SaveAsync(gateway, "ec-free", Draft("ec-free") with { Section = "entretiens" });
        var after = await publisher.RebuildAsync(CancellationToken.None);

        Assert.Equal(["ec-september"], Ids(after, "sections/analyses.atom"));
        Assert.Equal(["ec-free", "ec-premium"], Ids(after, "sections/entretiens.atom"));
    }

    [Fact]
    public async Task RebuildAsync_FreeArticleMadePremium_ServesTheTeaserOnly()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);
        var publisher = gateway.Services.GetRequiredService<FeedPublisher>();
        await publisher.RebuildAsync(CancellationToken.None);

        await FeedTestData.SaveAsync(gateway, "ec-free", Draft("ec-free") with { Access = "premium", BodyMarkdown = $"Texte {FeedTestData.PremiumSecret}." });
        var after = await publisher.RebuildAsync(CancellationToken.None);

        foreach (var path in new[] { "all.atom", "all.rss", "all.json", "sections/analyses.rss", "tags/ia.atom", "tags/crm.json" })
            Assert.DoesNotContain(FeedTestData.PremiumSecret, Text(after, path));
        var item = FeedReader.ReadFromByteArray(after.Documents["tags/ia.atom"].Identity).Items.Single();
        Assert.Contains("réservé aux abonnés", item.Content);
    }

    [Fact]
    public async Task RebuildAsync_UntouchedFeed_KeepsItsETagAndLastModifiedAfterAnotherFeedsChange()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);
        var publisher = gateway.Services.GetRequiredService<FeedPublisher>();
        var before = await publisher.RebuildAsync(CancellationToken.None);
        gateway.Clock!.Advance(TimeSpan.FromHours(2));

        await FeedTestData.SaveAsync(gateway, "ec-october", Draft("ec-october") with { Title = "Indiscrétions d’octobre (corrigé)" });
        var after = await publisher.RebuildAsync(CancellationToken.None);

        foreach (var path in new[] { "sections/analyses.atom", "sections/entretiens.rss", "tags/ia.json", "archive/2026-09.atom" })
        {
            Assert.Equal(before.Documents[path].ETag("gzip"), after.Documents[path].ETag("gzip"));
            Assert.Equal(before.Documents[path].LastModifiedHttp, after.Documents[path].LastModifiedHttp);
        }
        foreach (var path in new[] { "all.atom", "sections/indiscretions.rss", "tags/bpo.json", "archive/2026-10.atom" })
        {
            Assert.NotEqual(before.Documents[path].ETagIdentity, after.Documents[path].ETagIdentity);
            Assert.Equal(gateway.Clock.GetUtcNow(), after.Documents[path].LastModified);
        }
    }

    [Fact]
    public async Task RebuildAsync_MonthEnds_AddsItsArchivePageAndLinksItFromTheSiteWideFeed()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);
        var publisher = gateway.Services.GetRequiredService<FeedPublisher>();
        await publisher.RebuildAsync(CancellationToken.None);

        gateway.Clock!.SetUtcNow(new DateTimeOffset(2026, 12, 1, 0, 0, 1, TimeSpan.FromHours(1)));
        var after = await publisher.RebuildAsync(CancellationToken.None);

        await AssertSameAsFullBuildAsync(gateway, after);
        Assert.Equal(["ec-free", "ec-premium"], Ids(after, "archive/2026-11.atom"));
        Assert.Contains("feeds/archive/2026-11.atom", Text(after, "archive/2026-10.atom"));
        Assert.Contains("feeds/archive/2026-11.rss", Text(after, "all.rss"));
    }

    [Fact]
    public async Task RebuildAsync_ScheduledArticleComesDue_PublishesItAsAFullBuildWould()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);
        var publisher = gateway.Services.GetRequiredService<FeedPublisher>();
        await publisher.RebuildAsync(CancellationToken.None);

        gateway.Clock!.SetUtcNow(new DateTimeOffset(2027, 1, 15, 8, 0, 0, TimeSpan.FromHours(1)));
        Assert.Equal(1, await gateway.Articles.PublishDueAsync(CancellationToken.None));
        var after = await publisher.RebuildAsync(CancellationToken.None);

        await AssertSameAsFullBuildAsync(gateway, after);
        Assert.Equal("ec-future", Ids(after, "all.atom")[0]);
        Assert.Contains("archive/2026-11.atom", after.Documents.Keys);
        Assert.DoesNotContain("archive/2026-12.atom", after.Documents.Keys); // a month with no article has no page
    }

    [Fact]
    [Trait("Speed", "Slow")]
    public async Task Get_UnchangedFeedAfterAnotherArticleChanged_AnswersNotModified()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await FeedTestData.SaveAllAsync(gateway);
        await gateway.WaitForFeedsAsync();
        var client = gateway.NewClient(null);
        var first = await client.GetAsync("/feeds/sections/entretiens.atom");
        var etag = first.Headers.ETag!;

        await FeedTestData.SaveAsync(gateway, "ec-october", Draft("ec-october") with { Title = "Indiscrétions d’octobre (corrigé)" });
        await gateway.WaitForFeedsAsync();
        using var poll = new HttpRequestMessage(HttpMethod.Get, "/feeds/sections/entretiens.atom");
        poll.Headers.IfNoneMatch.Add(etag);
        var again = await client.SendAsync(poll);
        using var changedPoll = new HttpRequestMessage(HttpMethod.Get, "/feeds/sections/indiscretions.atom");
        changedPoll.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(gateway.Feeds.Current.Documents["sections/entretiens.atom"].ETagIdentity));
        var changed = await client.SendAsync(changedPoll);

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Contains("(corrigé)", FeedReader.ReadFromString(await changed.Content.ReadAsStringAsync()).Items.Single().Title);
    }

    private static async Task AssertSameAsFullBuildAsync(Gateway gateway, FeedCache.Snapshot snapshot)
    {
        var full = await FeedTestData.BuildAsync(gateway);
        Assert.Equal(full.Keys.Order(StringComparer.Ordinal), snapshot.Documents.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, bytes) in full)
            Assert.True(bytes.AsSpan().SequenceEqual(snapshot.Documents[path].Identity), $"{path} differs from a full build's");
    }

    /// <summary>Every document parses: RSS and Atom with CodeHollow.FeedReader, JSON Feed with System.Text.Json.</summary>
    private static void AssertReadBack(FeedCache.Snapshot snapshot)
    {
        foreach (var document in snapshot.Documents.Values)
        {
            if (document.Format == FeedFormat.Json)
            {
                using var json = JsonDocument.Parse(document.Identity);
                Assert.Equal(JsonFeedWriter.Version, json.RootElement.GetProperty("version").GetString());
            }
            else
                Assert.NotNull(FeedReader.ReadFromByteArray(document.Identity).Title);
        }
    }

    private static void AssertMirrorHolds(Gateway gateway, FeedCache.Snapshot snapshot)
    {
        var files = Directory.EnumerateFiles(gateway.MirrorPath, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(gateway.MirrorPath, f).Replace('\\', '/')).Order(StringComparer.Ordinal);
        Assert.Equal(snapshot.Documents.Keys.Order(StringComparer.Ordinal), files);
        foreach (var (path, document) in snapshot.Documents)
            Assert.True(File.ReadAllBytes(Path.Combine(gateway.MirrorPath, path)).AsSpan().SequenceEqual(document.Identity), $"the mirror's {path} is not the served one");
    }

    private static string Text(FeedCache.Snapshot snapshot, string path) => Encoding.UTF8.GetString(snapshot.Documents[path].Identity);

    private static List<string> Ids(FeedCache.Snapshot snapshot, string path) =>
        [.. FeedReader.ReadFromByteArray(snapshot.Documents[path].Identity).Items.Select(i => i.Id[(i.Id.LastIndexOf('/') + 1)..])];
}
