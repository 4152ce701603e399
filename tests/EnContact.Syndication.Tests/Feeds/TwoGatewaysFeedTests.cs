using System.Globalization;
using System.Net.Http.Json;
using CodeHollow.FeedReader;
using EnContact.Syndication.Tests.Fixtures;
using Xunit.Abstractions;

namespace EnContact.Syndication.Tests.Feeds;

/// <summary>Each gateway rebuilds its own feeds; a change saved through one reaches the other's by notification.</summary>
[Collection(TwoGatewaysCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TwoGatewaysFeedTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Article_SavedThroughOneGateway_AppearsInTheOtherGatewaysFeeds()
    {
        // The fallback poll is pushed far beyond the wait below: only the notification can bring the change in time.
        await using var gateways = await TwoGateways.StartAsync(output, new Dictionary<string, string?> { ["Storage:ChangePollInterval"] = "00:10:00" });
        var before = FeedReader.ReadFromString(await gateways.B.Admin.GetStringAsync("feeds/all.atom"));
        Assert.DoesNotContain(before.Items, item => item.Title == "Baromètre de la relation client 2026");

        var saved = await gateways.A.Admin.PutAsJsonAsync("api/articles/barometre-relation-client-2026", new
        {
            title = "Baromètre de la relation client 2026",
            published = DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            authors = new[] { "Claire Dubois" },
            section = "analyses",
            summary = "Le chapeau visible par tous.",
            contentMarkdown = "Premier paragraphe.",
        });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());

        await TwoGateways.WaitForAsync("the article in B's Atom feed", TimeSpan.FromSeconds(30), async () =>
            FeedReader.ReadFromString(await gateways.B.Admin.GetStringAsync("feeds/all.atom")).Items
                .FirstOrDefault(i => i.Title == "Baromètre de la relation client 2026"));
        var rss = FeedReader.ReadFromString(await gateways.B.Admin.GetStringAsync("feeds/all.rss"));
        Assert.Contains(rss.Items, i => i.Title == "Baromètre de la relation client 2026");
        output.WriteLine(string.Join('\n', gateways.LogLines("Feeds rebuilt")));
    }
}
