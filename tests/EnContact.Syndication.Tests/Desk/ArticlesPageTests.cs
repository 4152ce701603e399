using System.Net;
using EnContact.Syndication.Feeds;
using static EnContact.Syndication.Tests.Desk.DeskFixture;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>The articles page (search, ingestion problems with file and line, a feed rebuild) and the feeds page (requests and 304s per feed).</summary>
[Trait("Speed", "Slow")]
public sealed class ArticlesPageTests
{
    [Fact]
    public async Task Show_SearchAndABrokenFile_ListsTheMatchesAndTheProblemWithItsLine()
    {
        await using var gateway = await StartAsync();
        await WeekAsync(gateway);
        gateway.WriteContent("2026/casse.md", "---\ntitle: Cassé\npublished: pas une date\n---\nTexte.\n");
        await gateway.ScanAsync();
        using var browser = await SignedInAsync(gateway);

        var page = await browser.GetAsync("/admin/articles?q=NEARSHORE");

        Assert.Equal(["Baromètre 2026 du nearshore"], page.Document.QuerySelectorAll("tbody td:first-child a").Select(a => a.TextContent).ToList());
        var problem = page.Document.QuerySelectorAll("h2.changed + p + div tbody tr").Single();
        Assert.Equal("2026/casse.md", problem.QuerySelector("code")!.TextContent);
        Assert.Equal("3", problem.QuerySelector("td.num")!.TextContent);
    }

    [Fact]
    public async Task RebuildFeeds_Post_RebuildsAndSaysSo()
    {
        await using var gateway = await StartAsync();
        using var browser = await SignedInAsync(gateway);
        await browser.GetAsync("/admin/articles");
        var builtBefore = gateway.Feeds.Current;

        var page = await browser.SubmitAsync("/admin/articles/flux");

        Assert.Equal("Flux reconstruits.", Notice(page));
        Assert.NotSame(builtBefore, gateway.Feeds.Current);
    }

    [Fact]
    public async Task FeedsPage_AfterPolls_ShowsRequestsAndTheShareOf304PerFeed()
    {
        await using var gateway = await StartAsync();
        await WeekAsync(gateway);
        await gateway.WaitForFeedsAsync();
        using var reader = gateway.NewClient(null);
        var first = await reader.GetAsync("/feeds/all.rss");
        for (var i = 0; i < 3; i++)
        {
            using var poll = new HttpRequestMessage(HttpMethod.Get, "/feeds/all.rss");
            poll.Headers.TryAddWithoutValidation("If-None-Match", first.Headers.ETag!.Tag);
            Assert.Equal(HttpStatusCode.NotModified, (await reader.SendAsync(poll)).StatusCode);
        }
        using var browser = await SignedInAsync(gateway);

        var page = await browser.GetAsync("/admin/flux");

        var row = page.Document.QuerySelectorAll("tbody tr").Single(r => r.QuerySelector("a")!.TextContent == "all.rss");
        Assert.Equal("https://flux.en-contact.com/feeds/all.rss", row.QuerySelector("a")!.GetAttribute("href"));
        var cells = row.QuerySelectorAll("td.num").Select(c => c.TextContent).ToList();
        Assert.Equal(["4", "75 %"], cells[^2..]);
    }
}
