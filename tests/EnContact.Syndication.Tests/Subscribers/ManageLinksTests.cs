using System.Net;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Subscribers.SubscriptionFlowTests;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>A broken link's page lets a subscriber get fresh links by mail, without telling anyone who subscribes.</summary>
[Trait("Speed", "Slow")]
public sealed class ManageLinksTests
{
    private const string PreferencesPrefix = Gateway.PublicUrl + "preferences/";

    private static async Task ConfirmedAsync(Running running, string email)
    {
        using var browser = new Browser(running.Gateway);
        var before = running.Server.Messages.Count;
        await SubscribeThroughFormAsync(browser, email);
        await running.Server.WaitForMessagesAsync(before + 1);
        await browser.GetAsync(Browser.LinkPath(running.Server.Messages[before].Message, ConfirmPrefix));
        await browser.SubmitAsync();
    }

    /// <summary>Opens a broken preferences link and asks for the links of <paramref name="email"/> from that page's form.</summary>
    private static async Task<Page> AskFromBrokenLinkAsync(Gateway gateway, string email)
    {
        using var browser = new Browser(gateway);
        var problem = await browser.GetAsync("/preferences/abimé");
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        var form = problem.Document.Forms.Select((f, i) => (f, i)).Single(p => p.f.GetAttribute("action") == "/links").i;
        return await browser.SubmitAsync(form, ("email", email));
    }

    [Fact]
    public async Task BrokenLinkPage_ConfirmedSubscriberAsks_GetsAMailWithWorkingPreferencesLink()
    {
        await using var running = await StartAsync();
        await ConfirmedAsync(running, "marie@exemple.fr");
        var before = running.Server.Messages.Count;

        var page = await AskFromBrokenLinkAsync(running.Gateway, "Marie@Exemple.fr");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        await running.Server.WaitForMessagesAsync(before + 1);
        var mail = running.Server.Messages[before];
        Assert.Equal(["marie@exemple.fr"], mail.To);
        using var browser = new Browser(running.Gateway);
        Assert.Equal("Vos préférences", (await browser.GetAsync(Browser.LinkPath(mail.Message, PreferencesPrefix))).Heading);
    }

    [Fact]
    public async Task BrokenLinkPage_UnknownOrUnconfirmedAddress_SameAnswerAndNoMail()
    {
        await using var running = await StartAsync();
        await ConfirmedAsync(running, "marie@exemple.fr");
        using (var pending = new Browser(running.Gateway))
            await SubscribeThroughFormAsync(pending, "attente@exemple.fr");
        await running.Server.WaitForMessagesAsync(2);
        var known = await AskFromBrokenLinkAsync(running.Gateway, "marie@exemple.fr");
        await running.Server.WaitForMessagesAsync(3);

        var unknown = await AskFromBrokenLinkAsync(running.Gateway, "inconnu@exemple.fr");
        var unconfirmed = await AskFromBrokenLinkAsync(running.Gateway, "attente@exemple.fr");

        Assert.Equal((known.Status, known.MainText), (unknown.Status, unknown.MainText));
        Assert.Equal((known.Status, known.MainText), (unconfirmed.Status, unconfirmed.MainText));
        // Drained: both requests were answered before this point, and the outbox got nothing more.
        var outbox = running.Gateway.Services.GetRequiredService<EnContact.Syndication.Delivery.CampaignControl>();
        var links = await outbox.ProgressAsync("links-20261127", CancellationToken.None);
        Assert.Equal(1, links.Sum(p => p.Total));
    }

    [Fact]
    public async Task Links_OverThePerClientLimit_Is429()
    {
        await using var running = await StartAsync(new() { ["Subscribers:RequestsPerMinutePerClient"] = "1" });
        await AskFromBrokenLinkAsync(running.Gateway, "inconnu@exemple.fr");

        var page = await AskFromBrokenLinkAsync(running.Gateway, "autre@exemple.fr");

        Assert.Equal(HttpStatusCode.TooManyRequests, page.Status);
        Assert.Equal("Trop de demandes", page.Heading);
    }
}
