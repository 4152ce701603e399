using CodeHollow.FeedReader;
using EnContact.Syndication.Sources;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Sources.SourcePollerTests;

namespace EnContact.Syndication.Tests.Sources;

[Trait("Speed", "Slow")]
public sealed class SourcesWorkerTests
{
    [Fact]
    public async Task Worker_OneBrokenSource_TheOtherIsIngestedAndPublished()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeFixture("/broken", "broken.rss", "application/rss+xml");
        upstream.ServeFixture("/feed/", "wordpress.rss", "application/rss+xml");
        using var logs = new LogCapture();
        await using var gateway = await Gateway.CreateAsync(start: true, logs: logs,
            settings: SourceTesting.Settings(("casse", upstream.Url("/broken"), "free"), ("cms", upstream.Url("/feed/"), "free")));

        await logs.WaitForAsync(line => line.Contains("Feed casse: poll failed", StringComparison.Ordinal));
        var id = SourceTesting.IdOf("cms", "https://cms.en-contact.example/?p=1201");
        while (await gateway.Articles.GetAsync(id, CancellationToken.None) is null)
            await gateway.Articles.Changes.WaitForChangeAsync(gateway.Articles.Changes.Version, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(await gateway.ProblemsAsync(), p => p.Source == "feed:casse");
        await gateway.WaitForFeedsAsync();
        var atom = FeedReader.ReadFromString(await gateway.NewClient(null).GetStringAsync("/feeds/all.atom"));
        Assert.Contains(atom.Items, i => i.Title == "Relation client & IA > les chiffres «\u00A0clés\u00A0» de l’année");
        var rss = FeedReader.ReadFromString(await gateway.NewClient(null).GetStringAsync("/feeds/all.rss"));
        Assert.Contains(rss.Items, i => i.Title == "Entretien : la voix du client selon Paul Martin");
    }
}
