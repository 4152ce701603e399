using System.Net;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Desk.DeskFixture;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>The next letter at the desk: what readers will get, what changed, and the editor's actions, each changing the edition as the API would.</summary>
[Trait("Speed", "Slow")]
public sealed class NextEditionPageTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    internal const string Key = "2026-11-30-0800";

    /// <summary>A gateway sending through a loopback SMTP server, with the week's articles, two readers and an edition waiting for approval.</summary>
    internal static async Task<(Gateway Gateway, TestSmtpServer Server)> WaitingEditionAsync()
    {
        var server = await TestSmtpServer.StartNewAsync();
        var settings = server.GatewaySettings(retryAttempts: 0);
        settings["Digest:RequireApproval"] = "true";
        var gateway = await StartAsync(settings);
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lectrice@exemple.fr", null), ("etudes@exemple.fr", ["études"]));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);
        Assert.Equal(EditionStatus.AwaitingApproval, (await EditionAsync(gateway)).Status);
        return (gateway, server);
    }

    internal static async Task<EditionSummary> EditionAsync(Gateway gateway) => (await Store(gateway).GetAsync(Key, None))!.Value.Edition;

    [Fact]
    public async Task Show_WaitingEdition_ShowsTheBannerItsArticlesAndTheLetterInASandboxedFrame()
    {
        var (gateway, server) = await WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        using var browser = await SignedInAsync(gateway);

        var page = await browser.GetAsync("/admin");

        Assert.Contains("attend votre validation", page.Document.QuerySelector(".banner")!.TextContent);
        Assert.Equal("La lettre n° 1 attend votre validation", page.Heading);
        var articles = page.Document.QuerySelectorAll("aside ul.plain a").Select(a => a.TextContent).ToList();
        Assert.Equal(4, articles.Count);
        Assert.Contains("Relation client : l’IA > le script & le reste", articles);
        var frame = page.Document.QuerySelector("iframe.preview")!;
        Assert.NotNull(frame.GetAttribute("sandbox"));
        var letter = await browser.GetAsync(frame.GetAttribute("src")!);
        Assert.Contains("sandbox", letter.Response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("Baromètre 2026 du nearshore", letter.Html);
        Assert.Contains("Externalisation : les contrats se durcissent", letter.Html);

        var onlyStudies = await browser.GetAsync($"/admin/lettre/apercu?edition={Key}&rubrique=études");
        Assert.Contains("Baromètre 2026 du nearshore", onlyStudies.Html);
        Assert.DoesNotContain("Externalisation : les contrats se durcissent", onlyStudies.Html);
        var oneReader = await browser.GetAsync($"/admin/lettre/apercu?edition={Key}&abonne=etudes@exemple.fr");
        Assert.DoesNotContain("Externalisation : les contrats se durcissent", oneReader.Html);
    }

    [Fact]
    public async Task Preview_MembersBoxTicked_ShowsTheMembersCopy_ThroughTheFormsOwnLink()
    {
        var (gateway, server) = await WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        using var browser = await SignedInAsync(gateway);

        var page = await browser.GetAsync("/admin?membre=1");
        var box = page.Document.QuerySelector("form.filters input[name=membre]")!;
        var members = await browser.GetAsync(page.Document.QuerySelector("iframe.preview")!.GetAttribute("src")!);
        var readers = await browser.GetAsync($"/admin/lettre/apercu?edition={Key}");

        Assert.True(box.HasAttribute("checked"));
        Assert.Contains(Feeds.FeedTestData.PremiumSecret, members.Html);
        Assert.DoesNotContain(Feeds.FeedTestData.PremiumSecret, readers.Html);
    }

    [Fact]
    public async Task Approve_WaitingEdition_QueuesItAndLeadsToTheEditionsPage()
    {
        var (gateway, server) = await WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        using var browser = await SignedInAsync(gateway);
        await browser.GetAsync("/admin");

        var page = await browser.SubmitAsync($"/admin/lettre/{Key}/approuver");

        Assert.Equal("/admin/editions", page.Response.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("Édition approuvée : elle part maintenant.", Notice(page));
        Assert.NotEqual(EditionStatus.AwaitingApproval, (await EditionAsync(gateway)).Status);
        Assert.Null(page.Document.QuerySelector(".banner"));
        await server.WaitForMessagesAsync(2);
    }

    [Fact]
    public async Task Discard_WaitingEdition_IsDiscardedAndTheBannerGoes()
    {
        var (gateway, server) = await WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        using var browser = await SignedInAsync(gateway);
        await browser.GetAsync("/admin");

        var page = await browser.SubmitAsync($"/admin/lettre/{Key}/rejeter");

        Assert.Equal("Édition rejetée : ses articles iront dans la suivante.", Notice(page));
        Assert.Equal(EditionStatus.Discarded, (await EditionAsync(gateway)).Status);
        Assert.Null(page.Document.QuerySelector(".banner"));
        var again = await browser.PostAsync($"/admin/lettre/{Key}/rejeter", new FormUrlEncodedContent([browser.Csrf]));
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("Impossible : cette édition n’attend plus de validation.", Problem(again));
    }

    [Fact]
    public async Task Rebuild_AfterAnArticleChanged_ShowsTheChangeThenTakesTheArticleAsItIsNow()
    {
        var (gateway, server) = await WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        using var browser = await SignedInAsync(gateway);
        await ArticleAsync(gateway, "e1", "Baromètre 2026 du nearshore, corrigé", "études", "2026-11-25 08:00");

        var before = await browser.GetAsync("/admin");
        Assert.Contains("modifié : titre", before.Document.QuerySelector("h2.changed")!.ParentElement!.TextContent);

        var after = await browser.SubmitAsync($"/admin/lettre/{Key}/reconstruire");

        Assert.Equal("Édition reconstruite avec les articles tels qu’ils sont.", Notice(after));
        Assert.Null(after.Document.QuerySelector("h2.changed"));
        Assert.Contains("Baromètre 2026 du nearshore, corrigé", after.Document.QuerySelectorAll("aside ul.plain a").Select(a => a.TextContent));
        Assert.Equal(EditionStatus.AwaitingApproval, (await EditionAsync(gateway)).Status);
    }

    [Fact]
    public async Task SendTest_ToMe_MailsOneTestCopyToTheSignedInStaffMember()
    {
        var (gateway, server) = await WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        using var browser = await SignedInAsync(gateway);
        await browser.GetAsync("/admin");

        var page = await browser.SubmitAsync("/admin/lettre/test");

        Assert.Equal("Copie de test envoyée à votre adresse.", Notice(page));
        await server.WaitForMessagesAsync(1);
        var copy = server.Messages.Single();
        Assert.Equal([EditorEmail], copy.To);
        Assert.StartsWith("[TEST]", copy.Message.Subject);
        Assert.Equal(EditionStatus.AwaitingApproval, (await EditionAsync(gateway)).Status);
    }
}
