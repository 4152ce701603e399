using AngleSharp.Html.Parser;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Tests.Feeds;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Digests;

/// <summary>A paying member's copy of the letter: premium articles in full or by a direct link, everyone else's copy unchanged.</summary>
[Trait("Speed", "Slow")]
public sealed class MemberCopyRenderTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly HtmlParser Parser = new();
    private const string EveryoneLink = "Lire la suite sur En-Contact (réservé aux abonnés)";

    private static async Task<DigestSnapshot> SnapshotAsync(Gateway gateway)
    {
        var edition = await Builder(gateway).BuildAsync(Monday, None);
        return (await Store(gateway).GetAsync(edition.Key, None))!.Value.Snapshot!;
    }

    private static DigestRenderer Renderer(Gateway gateway) => gateway.Services.GetRequiredService<DigestRenderer>();

    [Fact]
    public async Task RenderCopy_Member_CarriesThePremiumFullText_InBothParts_AndEveryoneElseStillGetsTheTeaser()
    {
        await using var gateway = await Gateway.CreateAsync();
        await WeekAsync(gateway);
        var snapshot = await SnapshotAsync(gateway);

        var member = (await Renderer(gateway).RenderCopyAsync(snapshot, null, member: true))!;
        var reader = (await Renderer(gateway).RenderCopyAsync(snapshot, null, member: false))!;

        var premium = Parser.ParseDocument(member.Html).QuerySelectorAll("td.article").Single(a => a.TextContent.Contains("indiscrétions de novembre"));
        Assert.Contains(FeedTestData.PremiumSecret, premium.QuerySelector("div.fulltext")!.TextContent);
        Assert.Contains("Lire l’article sur le site", premium.TextContent);
        Assert.DoesNotContain(EveryoneLink, member.Html);
        Assert.Contains("Le texte complet " + FeedTestData.PremiumSecret, member.Text);
        Assert.DoesNotContain("réservé aux abonnés", member.Text);
        // Free articles look the same in both copies: a summary and a link, no full text.
        Assert.Single(Parser.ParseDocument(member.Html).QuerySelectorAll("div.fulltext"));

        Assert.DoesNotContain(FeedTestData.PremiumSecret, reader.Html);
        Assert.DoesNotContain(FeedTestData.PremiumSecret, reader.Text);
        Assert.Contains(EveryoneLink, reader.Html);
    }

    [Fact]
    public async Task RenderCopy_MemberWithLinkSetting_GetsTheTeaserAndADirectLink_NoFullText()
    {
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?> { ["Digest:MemberPremium"] = "Link" });
        await WeekAsync(gateway);

        var member = (await Renderer(gateway).RenderCopyAsync(await SnapshotAsync(gateway), null, member: true))!;

        Assert.DoesNotContain(FeedTestData.PremiumSecret, member.Html);
        Assert.DoesNotContain(FeedTestData.PremiumSecret, member.Text);
        Assert.DoesNotContain(EveryoneLink, member.Html);
        var premium = Parser.ParseDocument(member.Html).QuerySelectorAll("td.article").Single(a => a.TextContent.Contains("indiscrétions de novembre"));
        Assert.Equal("Lire l’article", premium.QuerySelector("a.read")!.TextContent);
        Assert.Contains("Le résumé de « Les indiscrétions de novembre »", premium.TextContent);
    }

    [Fact]
    public async Task RenderCopy_FullTextsTooLargeForTheLetter_GiveWayToLinks_RatherThanPushArticlesOut()
    {
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?> { ["Digest:MaxHtmlBytes"] = "40000" });
        var longText = string.Join("\n\n", Enumerable.Range(1, 150).Select(i => $"Paragraphe {i} du dossier réservé aux abonnés, assez long pour peser dans la lettre."));
        for (var i = 1; i <= 4; i++)
            await FeedTestData.SaveAsync(gateway, $"p{i}", new EnContact.Syndication.Ingestion.ArticleDraft
            {
                Title = $"Dossier {i}", Published = $"2026-11-2{i + 3} 09:00", Section = "analyses", Access = "premium", Summary = $"Résumé {i}.",
                BodyMarkdown = longText,
            });
        var snapshot = await SnapshotAsync(gateway);

        var member = (await Renderer(gateway).RenderCopyAsync(snapshot, null, member: true))!;

        Assert.Equal(0, member.ItemsHidden);
        Assert.Equal(4, member.ItemsShown);
        Assert.DoesNotContain("Paragraphe 30", member.Html);
        Assert.Equal(4, Parser.ParseDocument(member.Html).QuerySelectorAll("a.read").Count(a => a.TextContent == "Lire l’article"));
    }

    [Fact]
    public async Task RenderCopy_EditionBuiltBeforeMembersCopies_LinksInsteadOfFailing()
    {
        await using var gateway = await Gateway.CreateAsync();
        await WeekAsync(gateway);
        var snapshot = await SnapshotAsync(gateway);
        var older = snapshot with { Sections = snapshot.Sections.Select(s => s with { Items = s.Items.Select(i => i with { ContentHtml = null }).ToList() }).ToList() };

        var member = (await Renderer(gateway).RenderCopyAsync(older, null, member: true))!;

        Assert.DoesNotContain(FeedTestData.PremiumSecret, member.Html);
        Assert.DoesNotContain(EveryoneLink, member.Html);
        Assert.Empty(Parser.ParseDocument(member.Html).QuerySelectorAll("div.fulltext"));
    }

    [Fact]
    public async Task Snapshot_KeepsFullTextOfPremiumArticlesOnly()
    {
        await using var gateway = await Gateway.CreateAsync();
        await WeekAsync(gateway);

        var items = (await SnapshotAsync(gateway)).Sections.SelectMany(s => s.Items).ToList();

        Assert.Contains(FeedTestData.PremiumSecret, items.Single(i => i.Premium).ContentHtml);
        Assert.All(items.Where(i => !i.Premium), i => Assert.Null(i.ContentHtml));
    }

    [Fact]
    public void FullText_BlocksBecomeParagraphs_LinksKeepTheirAddress_ListsAreMarked()
    {
        var text = DigestText.FullText("<p>Un <a href=\"https://www.en-contact.com/x\">lien</a> &amp; du <strong>gras</strong>.</p><ul><li>un</li><li>deux</li></ul><p>Fin<br>ligne</p>");

        Assert.Equal("Un lien (https://www.en-contact.com/x) & du gras.\n\n  – un\n\n  – deux\n\n  Fin\n  ligne", text);
    }
}
