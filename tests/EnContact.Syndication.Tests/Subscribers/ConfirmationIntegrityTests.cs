using System.Net;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Subscribers.SubscriptionFlowTests;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>
/// What a confirmation link confirms: the choices of the request that sent it, never those of a later
/// request by someone else; and once used, the link shows that and hands out nothing more.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class ConfirmationIntegrityTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task PendingAddress_RequestedAgainBySomeoneElse_OwnersLinkConfirmsTheOwnersChoices()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var owner = new Browser(gateway);
        using var stranger = new Browser(gateway);

        await owner.GetAsync("/subscribe");
        await owner.SubmitWithChoicesAsync("sections", ["analyses"], ("email", "marie@exemple.fr"), ("name", "Marie Dupont"));
        await stranger.GetAsync("/subscribe");
        await stranger.SubmitWithChoicesAsync("sections", ["indiscrétions"], ("email", "marie@exemple.fr"), ("name", "Pierre Farceur"));
        await server.WaitForMessagesAsync(2);

        var pending = await Store(gateway).FindAsync("marie@exemple.fr", None);
        Assert.Equal(("Marie Dupont", "analyses"), (pending!.Name, string.Join(",", pending.Sections!)));

        // The stranger's request also mailed the owner: its page says what it would confirm, so the owner can tell.
        var strangersLink = Browser.LinkPath(server.Messages[1].Message, ConfirmPrefix);
        var strangers = await owner.GetAsync(strangersLink);
        Assert.Contains("Pierre Farceur", strangers.MainText);
        Assert.Contains("indiscrétions", strangers.MainText);

        await owner.GetAsync(Browser.LinkPath(server.Messages[0].Message, ConfirmPrefix));
        Assert.Contains("Marie Dupont", owner.Current!.MainText);
        Assert.Equal("Abonnement confirmé", (await owner.SubmitAsync()).Heading);

        var active = await Store(gateway).FindAsync("marie@exemple.fr", None);
        Assert.Equal((SubscriberStatus.Active, "Marie Dupont", "analyses"), (active!.Status, active.Name, string.Join(",", active.Sections!)));

        // The stranger's link, now that the address is confirmed, changes nothing.
        await owner.GetAsync(strangersLink);
        await owner.PostFormAsync(strangersLink, [new("csrf", owner.Current!.Document.QuerySelector("input[name=csrf]")?.GetAttribute("value") ?? "")]);
        var after = await Store(gateway).FindAsync("marie@exemple.fr", None);
        Assert.Equal(("Marie Dupont", "analyses"), (after!.Name, string.Join(",", after.Sections!)));
    }

    [Fact]
    public async Task UnsubscribedAddress_RequestedAgain_KeepsItsSettingsUntilTheNewLinkIsUsed()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var browser = new Browser(gateway);
        await browser.GetAsync("/subscribe");
        await browser.SubmitWithChoicesAsync("sections", ["analyses"], ("email", "paul@exemple.fr"), ("name", "Paul"));
        await server.WaitForMessagesAsync(1);
        await browser.GetAsync(Browser.LinkPath(server.Messages[0].Message, ConfirmPrefix));
        await browser.SubmitAsync();
        var subscriber = await Store(gateway).FindAsync("paul@exemple.fr", None);
        await Store(gateway).UnsubscribeAsync(subscriber!.Id, "unsubscribed (page)", None);

        await browser.GetAsync("/subscribe");
        await browser.SubmitWithChoicesAsync("sections", ["études"], ("email", "paul@exemple.fr"), ("name", "Quelqu’un d’autre"));
        await server.WaitForMessagesAsync(2);

        var unchanged = await Store(gateway).FindAsync("paul@exemple.fr", None);
        Assert.Equal((SubscriberStatus.Unsubscribed, "Paul", "analyses"), (unchanged!.Status, unchanged.Name, string.Join(",", unchanged.Sections!)));

        await browser.GetAsync(Browser.LinkPath(server.Messages[1].Message, ConfirmPrefix));
        await browser.SubmitAsync();
        var again = await Store(gateway).FindAsync("paul@exemple.fr", None);
        Assert.Equal((SubscriberStatus.Active, "Quelqu’un d’autre", "études"), (again!.Status, again.Name, string.Join(",", again.Sections!)));
    }

    [Fact]
    public async Task UsedConfirmationLink_GetOrPost_SaysAlreadyConfirmed_AndGivesNoPreferencesLink()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var browser = new Browser(gateway);
        await SubscribeThroughFormAsync(browser, "deja@exemple.fr");
        await server.WaitForMessagesAsync(1);
        var link = Browser.LinkPath(server.Messages[0].Message, ConfirmPrefix);
        await browser.GetAsync(link);
        var csrf = browser.Current!.Document.QuerySelector("input[name=csrf]")!.GetAttribute("value")!;
        var confirmed = await browser.SubmitAsync();
        Assert.Single(confirmed.Document.QuerySelectorAll("a[href*='/preferences/']"));

        foreach (var again in new[] { await browser.GetAsync(link), await browser.PostFormAsync(link, [new("csrf", csrf)]) })
        {
            Assert.Equal(HttpStatusCode.OK, again.Status);
            Assert.Contains("déjà confirmé", again.Heading);
            Assert.Empty(again.Document.QuerySelectorAll("a[href*='/preferences/']"));
            Assert.DoesNotContain("/preferences/", again.Html);
            Assert.Empty(again.Document.QuerySelectorAll("form"));
        }
    }
}
