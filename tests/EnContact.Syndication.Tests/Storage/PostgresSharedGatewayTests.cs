using System.Net;
using System.Net.Http.Json;
using CodeHollow.FeedReader;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EnContact.Syndication.Tests.Storage;

/// <summary>
/// Two gateway processes behind one address, sharing one PostgreSQL database (each with its own
/// folder, as on two machines): what one does reaches the other — a saved article its feeds, the
/// content folder its watcher when the first stops, a form it rendered the other's check.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class PostgresSharedGatewayTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PutArticle_OnOneGateway_RebuildsTheOthersFeedsThroughTheNotification()
    {
        using var shared = new TempDirectory();
        var connectionString = await shared.PostgresDatabaseAsync();
        // The fallback poll is made as slow as it goes: only the notification can be quick enough.
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ChangePollInterval"] = "00:10:00",
            ["Logging:LogLevel:EnContact.Syndication.Storage"] = "Information",
        };
        var logs = new LogCapture();
        await using var a = await Gateway.CreateAsync(start: true, postgresConnectionString: connectionString, settings: settings, logs: logs);
        await using var b = await Gateway.CreateAsync(start: true, postgresConnectionString: connectionString, settings: settings);
        await logs.WaitForAsync(l => l.Contains("Listening to the other gateway processes' changes", StringComparison.Ordinal));
        await a.WaitForFeedsAsync();
        var seen = a.Articles.Changes.Version;

        var put = await b.Client.PutAsJsonAsync("/api/articles/ec-venu-d-ailleurs", new
        {
            title = "Venu de l’autre passerelle",
            published = "2026-11-20 09:30",
            authors = new[] { "Claire Dubois" },
            section = "analyses",
            summary = "Le chapeau.",
            contentMarkdown = "Premier paragraphe.",
        });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var saved = await b.SingleArticleAsync("ec-venu-d-ailleurs");

        await a.Articles.Changes.WaitForChangeAsync(seen, None).WaitAsync(Patience);
        await a.Feeds.WaitForStoreVersionAsync(saved.Version, None).WaitAsync(Patience);
        var feed = FeedReader.ReadFromByteArray(await a.Client.GetByteArrayAsync("/feeds/all.atom"));
        Assert.Contains(feed.Items, item => item.Title == "Venu de l’autre passerelle");
    }

    private static async Task<string> HealthAsync(Gateway gateway) =>
        (await gateway.Services.GetRequiredService<IngestionHealth>().CheckHealthAsync(new HealthCheckContext())).Description ?? "";

    [Fact]
    public async Task ContentFolder_TwoGatewaysWatchingIt_OneLeadsAndTheOtherTakesOverWhenItStops()
    {
        using var shared = new TempDirectory();
        var connectionString = await shared.PostgresDatabaseAsync();
        var content = shared.Combine("content");
        Directory.CreateDirectory(content);
        File.WriteAllText(Path.Combine(content, "avant.md"), SampleArticles.Markdown(title: "Écrit avant"));
        var settings = new Dictionary<string, string?>
        {
            ["Ingestion:ContentPath"] = content,
            ["Logging:LogLevel:EnContact.Syndication.Ingestion"] = "Information",
        };
        var gateways = new List<(Gateway Gateway, WatchedClock Clock, LogCapture Logs)>();
        try
        {
            foreach (var _ in new[] { 1, 2 })
            {
                var (clock, logs) = (new WatchedClock(), new LogCapture());
                gateways.Add((await Gateway.CreateAsync(start: true, ingestFolder: true, postgresConnectionString: connectionString, settings: settings,
                    logs: logs, clock: clock), clock, logs));
            }
            foreach (var (gateway, _, _) in gateways)
                await gateway.Services.GetRequiredService<ContentFolderWorker>().InitialScan.WaitAsync(Patience);

            var standing = new List<int>();
            for (var i = 0; i < gateways.Count; i++)
                if ((await HealthAsync(gateways[i].Gateway)).Contains("stands by", StringComparison.Ordinal))
                    standing.Add(i);
            var standby = gateways[Assert.Single(standing)];
            var leader = gateways[1 - standing[0]];
            Assert.Equal("Écrit avant", (await leader.Gateway.SingleArticleAsync("avant")).Title);

            // The one standing by waits for its next look; the leader stops (its lead goes with it).
            await standby.Clock.WaitForTimerAsync(ContentFolderWorker.LeadCheckInterval, 0);
            await leader.Gateway.DisposeAsync();
            gateways.Remove(leader);
            File.WriteAllText(Path.Combine(content, "apres.md"), SampleArticles.Markdown(title: "Écrit après"));
            var seen = standby.Gateway.Articles.Changes.Version;
            standby.Clock.Advance(ContentFolderWorker.LeadCheckInterval);

            await standby.Logs.WaitForAsync(l => l.Contains("now watches the content folder", StringComparison.Ordinal));
            while (await standby.Gateway.Articles.GetAsync("apres", None) is null)
            {
                await standby.Gateway.Articles.Changes.WaitForChangeAsync(seen, None).WaitAsync(Patience);
                seen = standby.Gateway.Articles.Changes.Version;
            }
            Assert.DoesNotContain("stands by", await HealthAsync(standby.Gateway), StringComparison.Ordinal);
            Assert.Equal("Écrit après", (await standby.Gateway.SingleArticleAsync("apres")).Title);
        }
        finally
        {
            foreach (var (gateway, _, _) in gateways)
                await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task SubscribeForm_RenderedByOneGateway_IsAcceptedByTheOther()
    {
        using var shared = new TempDirectory();
        var connectionString = await shared.PostgresDatabaseAsync();
        await using var a = await Gateway.CreateAsync(start: true, postgresConnectionString: connectionString);
        await using var b = await Gateway.CreateAsync(start: true, postgresConnectionString: connectionString);
        using var readerOnA = new Browser(a);
        using var readerOnB = new Browser(b);

        // Both render their first form at once: each may make a key of its own, and both must be known to the other.
        await Task.WhenAll(readerOnA.GetAsync("/subscribe"), readerOnB.GetAsync("/subscribe"));
        var acceptedByB = await readerOnA.SubmitToAsync(b.BaseAddress, 0, ("email", "vu-sur-a@exemple.fr"));
        var acceptedByA = await readerOnB.SubmitToAsync(a.BaseAddress, 0, ("email", "vu-sur-b@exemple.fr"));

        Assert.Equal((HttpStatusCode.OK, "Vérifiez votre messagerie"), (acceptedByB.Status, acceptedByB.Heading));
        Assert.Equal((HttpStatusCode.OK, "Vérifiez votre messagerie"), (acceptedByA.Status, acceptedByA.Heading));
        var store = a.Services.GetRequiredService<SubscriberStore>();
        Assert.Equal(SubscriberStatus.Pending, (await store.FindAsync("vu-sur-a@exemple.fr", None))?.Status);
        Assert.Equal(SubscriberStatus.Pending, (await store.FindAsync("vu-sur-b@exemple.fr", None))?.Status);
    }
}
