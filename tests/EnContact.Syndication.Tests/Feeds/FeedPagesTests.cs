using System.Net;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Feeds;

/// <summary>The reader's front door, <c>/</c> and <c>/feeds</c>, read back with AngleSharp over real HTTP.</summary>
[Trait("Speed", "Slow")]
public sealed class FeedPagesTests
{
    private static readonly string[] MainFeeds =
    [
        "https://flux.en-contact.com/feeds/all.atom", "https://flux.en-contact.com/feeds/all.rss", "https://flux.en-contact.com/feeds/all.json",
        "https://lettre.en-contact.com/digests/feed.atom",
    ];

    private static async Task<Gateway> StartedAsync(Dictionary<string, string?>? settings = null)
    {
        var gateway = await Gateway.CreateAsync(start: true, settings: settings);
        await FeedTestData.SaveAllAsync(gateway);
        await gateway.WaitForFeedsAsync();
        return gateway;
    }

    [Fact]
    public async Task Home_Get_IsAMobileMagazinePageThatOffersTheLetterAndAdvertisesOnlyTheMainFeeds()
    {
        await using var gateway = await StartedAsync(new() { ["Site:PrivacyUrl"] = "https://www.en-contact.com/confidentialite", ["Site:PublisherName"] = "Éditions En-Contact SAS" });
        using var browser = new Browser(gateway);

        var home = await browser.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, home.Status);
        Assert.Equal("width=device-width, initial-scale=1", home.Document.QuerySelector("meta[name=viewport]")?.GetAttribute("content"));
        Assert.Equal("fr", home.Document.DocumentElement.GetAttribute("lang"));
        Assert.Contains("relation client", home.Document.QuerySelector("main .lead")!.TextContent);
        Assert.Contains(home.Document.QuerySelectorAll("main a"), a => a.GetAttribute("href") == "/subscribe" && a.TextContent.Contains("lettre"));
        Assert.Equal(MainFeeds.Order(), home.Document.QuerySelectorAll("link[rel=alternate]").Select(l => l.GetAttribute("href")!).Order());
        Assert.Contains("https://flux.en-contact.com/feeds/all.atom", home.Document.QuerySelectorAll("code.url").Select(c => c.TextContent));
        Assert.Contains(home.Document.QuerySelectorAll("main a"), a => a.GetAttribute("href") == "/feeds");
        var footer = home.Document.QuerySelector("footer")!;
        Assert.Contains("Éditions En-Contact SAS", footer.TextContent);
        Assert.Contains(footer.QuerySelectorAll("a"), a => a.GetAttribute("href") == "https://www.en-contact.com/confidentialite");
        Assert.Null(home.Document.QuerySelector("meta[name=robots]"));
        Assert.False(home.Response.Headers.Contains("X-Robots-Tag"));
    }

    [Fact]
    public async Task Home_AfterALetterWentOutOnTheFirst_ListsItDatedFirstOrdinal()
    {
        // A monthly letter on the 1st at 08:00, Paris time: Tuesday 1 December 2026.
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Digest:Schedule"] = "0 8 1 * *" });
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lecteur@exemple.fr", (string[]?)null));
        gateway.Clock!.SetUtcNow(new DateTimeOffset(2026, 12, 1, 7, 1, 0, TimeSpan.Zero));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(CancellationToken.None);
        await gateway.WaitForFeedsAsync();
        using var browser = new Browser(gateway);

        var home = await browser.GetAsync("/");

        var letter = Assert.Single(home.Document.QuerySelectorAll("ul.letters li"));
        Assert.Equal("La lettre n° 1 — 1er décembre 2026", string.Join(' ', letter.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("https://lettre.en-contact.com/digests/1", letter.QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task FeedsIndex_Get_ListsEachSectionOnceByItsHumanNameWithCopyableAddressesAndOnlyTheMainFeedsInItsHead()
    {
        await using var gateway = await StartedAsync();
        using var browser = new Browser(gateway);

        var page = await browser.GetAsync("/feeds");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(MainFeeds.Order(), page.Document.QuerySelectorAll("link[rel=alternate]").Select(l => l.GetAttribute("href")!).Order());
        var sections = page.Document.QuerySelectorAll("#rubriques ~ ul li").Select(li => (Name: li.QuerySelector(".feed-name")!.TextContent, Url: li.QuerySelector("code.url")!.TextContent)).ToList();
        Assert.Contains(("Indiscrétions", "https://flux.en-contact.com/feeds/sections/indiscretions.atom"), sections);
        Assert.All(sections, s => Assert.True(char.IsUpper(s.Name[0]), $"'{s.Name}' is not capitalised"));
        Assert.Equal(sections.Count, sections.Select(s => s.Name).Distinct().Count());
        Assert.Contains(page.Document.QuerySelectorAll("#mots-cles ~ ul a"), a => a.GetAttribute("href") == "https://flux.en-contact.com/feeds/tags/crm.rss");
        Assert.NotNull(page.Document.QuerySelector("#comment"));
        Assert.Contains("Comment suivre un flux", page.Document.QuerySelector("#comment")!.TextContent);
        Assert.Null(page.Document.QuerySelector("meta[name=robots]"));
    }
}
