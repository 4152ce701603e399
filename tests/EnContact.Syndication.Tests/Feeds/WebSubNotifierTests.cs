using EnContact.Syndication.Feeds;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Feeds;

/// <summary>
/// WebSub notifications against a real hub on loopback, with the gateway's fake clock: retry delays
/// of a failing topic only pass when the test advances it, so whatever arrives meanwhile did not wait for them.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class WebSubNotifierTests
{
    private const string Feeds = "https://flux.en-contact.com/feeds/";

    private static Task<Gateway> GatewayWithHubAsync(TestHub hub) =>
        Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Feeds:HubUrl"] = hub.Url });

    [Fact]
    public async Task Notify_HubFailsForOneTopic_TheOtherTopicsAreStillNotified()
    {
        await using var hub = await TestHub.StartAsync(failing: [Feeds + "all.rss"]);
        await using var gateway = await GatewayWithHubAsync(hub);

        await FeedTestData.SaveAllAsync(gateway);
        await gateway.WaitForFeedsAsync();
        var subscriptionFeeds = gateway.Feeds.Current.Documents.Values.Where(d => !d.IsArchive).Select(d => Feeds + d.Path).ToArray();
        var received = await hub.WaitForTopicsAsync(subscriptionFeeds.Where(t => t != Feeds + "all.rss"));

        Assert.True(subscriptionFeeds.Length > 20);
        Assert.DoesNotContain(Feeds + "all.rss", received);
        Assert.True(hub.AttemptsFor(Feeds + "all.rss") >= 1);
        Assert.All(hub.UserAgents, agent => Assert.Matches(@"^EnContact\.Syndication/\d+(\.\d+)* \(WebSub publisher; \+https://flux\.en-contact\.com/\)$", agent));
    }

    [Fact]
    public async Task Notify_TopicChangedAgainWhileWaitingItsTurn_IsSentOnce()
    {
        await using var hub = await TestHub.StartAsync();
        await using var gateway = await GatewayWithHubAsync(hub);
        await hub.WaitForTopicsAsync([Feeds + "all.rss", Feeds + "all.atom", Feeds + "all.json"]); // the first build's
        var notifier = gateway.Services.GetRequiredService<WebSubNotifier>();
        string[] slow = [Feeds + "lent-1.atom", Feeds + "lent-2.atom", Feeds + "lent-3.atom", Feeds + "lent-4.atom"];
        foreach (var topic in slow)
            hub.Hold(topic);

        // Four notifications are in flight at once; the hub holds them all.
        notifier.Notify(slow);
        await hub.WaitForHeldAsync(WebSubNotifier.Concurrency);
        // Three changes of one topic while every sender is busy, then another topic.
        notifier.Notify([Feeds + "x.atom"]);
        notifier.Notify([Feeds + "x.atom"]);
        notifier.Notify([Feeds + "x.atom"]);
        notifier.Notify([Feeds + "y.atom"]);
        hub.Release(slow[0]); // one sender is free again: it takes the waiting topics in order
        var received = await hub.WaitForTopicsAsync([slow[0], Feeds + "x.atom", Feeds + "y.atom"]);

        Assert.Equal(1, hub.AttemptsFor(Feeds + "x.atom"));
        Assert.Equal([slow[0], Feeds + "x.atom", Feeds + "y.atom"], received.Skip(received.Count - 3));
    }
}
