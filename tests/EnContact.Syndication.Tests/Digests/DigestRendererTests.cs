using System.Text;
using AngleSharp.Html.Parser;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Tests.Feeds;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Digests;

/// <summary>What a reader's copy looks like: escaping, inlined CSS, premium teasers, sections, size cap, text part.</summary>
[Trait("Speed", "Slow")]
public sealed class DigestRendererTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly HtmlParser Parser = new();

    private static async Task<DigestSnapshot> SnapshotAsync(Gateway gateway)
    {
        var edition = await Builder(gateway).BuildAsync(Monday, None);
        return (await Store(gateway).GetAsync(edition.Key, None))!.Value.Snapshot!;
    }

    private static DigestRenderer Renderer(Gateway gateway) => gateway.Services.GetRequiredService<DigestRenderer>();

    [Fact]
    public async Task HostileTitle_EscapedOnceInHtml_KeptAsIsInText_FrenchStaysUtf8()
    {
        await using var gateway = await Gateway.CreateAsync();
        await ArticleAsync(gateway, "h1", "L’IA > le script & 5 < 6 : « CRM » \"tout\" <3", "analyses", "2026-11-26 09:00", summary: "Résumé : 5 < 6 & « ça » marche.");

        var copy = (await Renderer(gateway).RenderAsync(await SnapshotAsync(gateway), null))!;

        var document = Parser.ParseDocument(copy.Html);
        Assert.Equal("L’IA > le script & 5 < 6 : « CRM » \"tout\" <3", document.QuerySelector("h3 a")!.TextContent);
        Assert.Empty(document.QuerySelectorAll("h3 b"));
        Assert.DoesNotContain("&amp;amp;", copy.Html);
        Assert.DoesNotContain("&#xE9;", copy.Html);
        Assert.Contains("« CRM »", copy.Html);
        Assert.Contains("* L’IA > le script & 5 < 6 : « CRM » \"tout\" <3", copy.Text);
        Assert.Contains("Résumé : 5 < 6 & « ça » marche.", copy.Text);
    }

    [Fact]
    public async Task Html_InlinedCss_Table600_Preheader_AbsoluteDecorativeImagesWithWidth_PremiumTeaserOnly()
    {
        await using var gateway = await Gateway.CreateAsync();
        await WeekAsync(gateway);
        await ArticleAsync(gateway, "img", "Avec une image", "études", "2026-11-26 11:00", image: "images/plateau.jpg");

        var copy = (await Renderer(gateway).RenderAsync(await SnapshotAsync(gateway), null))!;
        var document = Parser.ParseDocument(copy.Html);

        Assert.Contains("font-size: 18px", document.QuerySelector("td.article h3")!.GetAttribute("style"));
        Assert.Equal("600", document.QuerySelector("table.container")!.GetAttribute("width"));
        Assert.StartsWith("Analyses\u00A0: Relation client", document.QuerySelector("body > div")!.TextContent);
        var image = document.QuerySelector("img")!;
        // The title under it names the article: the picture is decorative, so screen readers skip it rather than read the title twice.
        Assert.Equal(("https://www.en-contact.com/images/plateau.jpg", "", "552"), (image.GetAttribute("src"), image.GetAttribute("alt"), image.GetAttribute("width")));
        Assert.Null(image.Closest("a"));
        Assert.Contains("Lire la suite sur En-Contact (réservé aux abonnés)", copy.Html);
        Assert.DoesNotContain(FeedTestData.PremiumSecret, copy.Html);
        Assert.DoesNotContain(FeedTestData.PremiumSecret, copy.Text);
        Assert.Contains("{{unsubscribe_url}}", copy.Html);
        Assert.Contains("{{preferences_url}}", copy.Text);
    }

    [Fact]
    public async Task Sections_OnlyTheReadersOnes_AndNothingWhenTheyHaveNoArticle()
    {
        await using var gateway = await Gateway.CreateAsync();
        await WeekAsync(gateway);
        var snapshot = await SnapshotAsync(gateway);

        var etudes = (await Renderer(gateway).RenderAsync(snapshot, ["études"]))!;
        var nothing = await Renderer(gateway).RenderAsync(snapshot, ["entretiens"]);

        Assert.Equal(1, etudes.ItemsShown);
        Assert.Contains("Baromètre 2026 du nearshore", etudes.Html);
        Assert.DoesNotContain("Externalisation", etudes.Html);
        Assert.DoesNotContain("Externalisation", etudes.Text);
        Assert.Null(nothing);
    }

    [Fact]
    public async Task TooManyArticles_HtmlStaysUnderTheCap_TheRestIsOneLinkAway_TextCarriesTheSameArticles()
    {
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?> { ["Digest:MaxItemsPerSection"] = "100", ["Digest:MaxHtmlBytes"] = "40000" });
        var longSummary = string.Concat(Enumerable.Repeat("Une analyse détaillée du marché de la relation client. ", 8));
        for (var i = 0; i < 60; i++)
            await ArticleAsync(gateway, $"n{i:00}", $"Article n° {i} sur l’externalisation", i % 2 == 0 ? "analyses" : "études",
                $"2026-11-{24 + i % 3:00} {8 + i % 10:00}:{i % 60:00}", summary: longSummary);

        var copy = (await Renderer(gateway).RenderAsync(await SnapshotAsync(gateway), null))!;

        Assert.True(Encoding.UTF8.GetByteCount(copy.Html) <= 40_000 - 600, $"HTML is {Encoding.UTF8.GetByteCount(copy.Html)} bytes");
        Assert.True(copy.ItemsHidden > 0 && copy.ItemsShown + copy.ItemsHidden == 60, $"{copy.ItemsShown} shown, {copy.ItemsHidden} hidden");
        var document = Parser.ParseDocument(copy.Html);
        var more = document.QuerySelectorAll("td.more a").Select(a => a.GetAttribute("href")!).ToList();
        Assert.Equal(["https://lettre.en-contact.com/digests/1#analyses", "https://lettre.en-contact.com/digests/1#etudes"], more);
        var htmlArticles = document.QuerySelectorAll("h3 a").Select(a => a.GetAttribute("href")!).ToList();
        var textArticles = copy.Text.Split('\n').Where(l => l.Contains("Lire l’article : ")).Select(l => l.Split(" : ")[^1].Trim()).ToList();
        Assert.Equal(htmlArticles, textArticles);
        Assert.All(more, link => Assert.Contains(link, copy.Text));
    }

    [Fact]
    public async Task AtTheCap_TheHtmlPartAsSent_AndTheMessageAsComposed_StayUnderIt()
    {
        const int cap = 40_000;
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?> { ["Digest:MaxItemsPerSection"] = "100", ["Digest:MaxHtmlBytes"] = cap.ToString() });
        var accented = string.Concat(Enumerable.Repeat("Été, après l’échéance, les équipes délèguent à l’étranger — « hélas ». ", 6));
        for (var i = 0; i < 60; i++)
            await ArticleAsync(gateway, $"n{i:00}", $"Étude n° {i} : l’été des téléconseillers", i % 2 == 0 ? "analyses" : "études",
                $"2026-11-{24 + i % 3:00} {8 + i % 10:00}:{i % 60:00}", summary: accented);

        var copy = (await Renderer(gateway).RenderAsync(await SnapshotAsync(gateway), null))!;

        // What travels: the part as the delivery engine writes it (7-bit for a DKIM-signed message).
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var composer = new EnContact.Syndication.Delivery.MessageComposer(
            Microsoft.Extensions.Options.Options.Create(new EnContact.Syndication.Delivery.DeliveryOptions()),
            Microsoft.Extensions.Options.Options.Create(new EnContact.Syndication.Delivery.DkimOptions { Domain = "en-contact.com", Selector = "s", PrivateKey = rsa.ExportRSAPrivateKeyPem() }),
            gateway.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>(), gateway.Clock!);
        using var message = composer.Compose(new EnContact.Syndication.Delivery.OutboxItem
        {
            MessageKey = "k", Campaign = "digest-1", Kind = EnContact.Syndication.Delivery.MailKind.Bulk, Recipient = "lecteur@exemple.fr",
            Body = new(copy.Subject, copy.Text, copy.Html), MessageId = "m@en-contact.com", Attempts = 1,
            UnsubscribeUrl = "https://lettre.en-contact.com/unsubscribe/" + new string('x', 67),
            Variables = new Dictionary<string, string> { ["unsubscribe_url"] = "https://lettre.en-contact.com/unsubscribe/" + new string('x', 67), ["preferences_url"] = "https://lettre.en-contact.com/preferences/" + new string('y', 67) },
        });
        using var wire = new MemoryStream();
        await message.WriteToAsync(wire);
        wire.Position = 0;
        using var received = await MimeKit.MimeMessage.LoadAsync(wire);
        var htmlPart = received.BodyParts.OfType<MimeKit.TextPart>().Single(p => p.IsHtml);
        using var measured = new MemoryStream();
        htmlPart.WriteTo(measured);

        Assert.True(copy.ItemsHidden > 0, "the cap was reached");
        Assert.True(measured.Length <= cap, $"the HTML part is {measured.Length} bytes on the wire");
        Assert.True(Encoding.UTF8.GetByteCount(copy.Html) < measured.Length, "the wire form is larger than the decoded HTML");
        Assert.Equal(copy.EncodedHtmlBytes, EnContact.Syndication.Delivery.MimeSize.OfHtmlPart(copy.Html));
        Assert.True(copy.MessageBytes > measured.Length, "the whole message is reported, text part and headers included");
    }
}
