using EnContact.Syndication.Articles;
using EnContact.Syndication.Sources;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.AspNetCore.Http;

namespace EnContact.Syndication.Tests.Sources;

public sealed class SourcePollerTests
{
    private const string WordPressGuid = "https://cms.en-contact.example/?p=1201";

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task PollAsync_WordPressRss_StoresCleanArticlesThroughTheNormalizer(StorageProvider storage)
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeFixture("/feed/", "wordpress.rss", "application/rss+xml; charset=windows-1252");
        await using var gateway = await Gateway.CreateAsync(storage: storage, settings: SourceTesting.Settings(("cms", upstream.Url("/feed/"), "premium")));

        var state = await gateway.PollAsync("cms");

        Assert.Equal(0, state.ConsecutiveFailures);
        var article = await gateway.SingleArticleAsync(SourceTesting.IdOf("cms", WordPressGuid));
        Assert.Equal("Relation client & IA > les chiffres «\u00A0clés\u00A0» de l’année", article.Title);
        Assert.Equal("feed:cms", article.Source);
        Assert.Equal("études", article.Section);
        Assert.Equal(["bpo", "intelligence artificielle"], article.Tags);
        Assert.Equal(["Marie Dupont"], article.Authors);
        Assert.Equal(ArticleAccess.Premium, article.Access);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 7, 30, 0, TimeSpan.Zero), article.PublishedAt);
        Assert.Equal(TimeSpan.Zero, article.PublishedAt.Offset);
        Assert.DoesNotContain("<script", article.ContentHtml);
        Assert.Contains($"src=\"{upstream.Url("/wp-content/uploads/2026/11/graphique.png")}\"", article.ContentHtml);
        Assert.Contains($"href=\"{upstream.Url("/autre-article/")}\"", article.ContentHtml);
        Assert.Contains("IA &amp; en formation", article.ContentHtml);
        Assert.StartsWith("Les centres de contact ont dépensé davantage en IA cette année…", article.Summary);

        var interview = await gateway.SingleArticleAsync(SourceTesting.IdOf("cms", "https://cms.en-contact.example/?p=1198"));
        Assert.Equal("Entretien : la voix du client selon Paul Martin", interview.Title);
        Assert.Equal("entretiens", interview.Section);
        // "mercredi 25 novembre 2026" is no date a reader understands: the time it was first seen stands in.
        Assert.Equal(Gateway.DefaultNow, interview.PublishedAt);
        var undated = await gateway.SingleArticleAsync(SourceTesting.IdOf("cms", "https://cms.en-contact.example/?p=1190"));
        Assert.Equal(Gateway.DefaultNow, undated.PublishedAt);
        Assert.Equal("indiscrétions", undated.Section);

        // The second item with the same guid is not a second article; the document's problem says so.
        Assert.Equal(3, (await gateway.FeedArticlesAsync("cms")).Count);
        var problem = Assert.Single(await gateway.ProblemsAsync(), p => p.Source == "feed:cms");
        Assert.Contains("appears more than once", problem.Reason);
        Assert.Contains("mercredi 25 novembre 2026", problem.Reason);
    }

    [Fact]
    public async Task PollAsync_GhostAtomWithXmlBase_ResolvesRelativeLinksAgainstTheirBase()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeFixture("/ghost/rss/", "ghost.atom", "application/atom+xml");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("blog", upstream.Url("/ghost/rss/"), "free")));

        await gateway.PollAsync("blog");

        var bpo = await gateway.SingleArticleAsync(SourceTesting.IdOf("blog", "tag:blog.en-contact.example,2026:post-64a1"));
        Assert.Equal("Le BPO en 2027", bpo.Title);
        Assert.Equal("analyses", bpo.Section);
        Assert.Equal(["externalisation"], bpo.Tags);
        Assert.Equal(["Claire Bernard"], bpo.Authors);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero), bpo.PublishedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), bpo.UpdatedAt);
        Assert.Contains("src=\"https://blog.en-contact.example/ghost/content/images/2026/11/bpo.jpg\"", bpo.ContentHtml);
        Assert.Contains("href=\"https://blog.en-contact.example/ghost/tag/bpo/\"", bpo.ContentHtml);
        Assert.Equal("Ce que le BPO prépare pour l'an prochain.", bpo.Summary);

        var other = await gateway.SingleArticleAsync(SourceTesting.IdOf("blog", "tag:blog.en-contact.example,2026:post-64a2"));
        Assert.Contains("src=\"https://blog.en-contact.example/autre/photo.png\"", other.ContentHtml);
        Assert.DoesNotContain(await gateway.ProblemsAsync(), p => p.Source.StartsWith("feed:blog", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PollAsync_JsonFeed_StoresItemsAndReportsTheBadOneAlone()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeFixture("/feed.json", "feed.json", "application/feed+json");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("json", upstream.Url("/feed.json"), "free")));

        var state = await gateway.PollAsync("json");

        var salons = await gateway.SingleArticleAsync(SourceTesting.IdOf("json", "https://json.en-contact.example/p/42"));
        Assert.Equal("Les salons de l’automne", salons.Title);
        Assert.Equal("actualités", salons.Section);
        Assert.Equal(["événements"], salons.Tags);
        Assert.Equal(["Sophie Morel"], salons.Authors);
        Assert.Contains("src=\"https://json.en-contact.example/img/salon.jpg\"", salons.ContentHtml);
        var plain = await gateway.SingleArticleAsync(SourceTesting.IdOf("json", "43"));
        Assert.Equal(["La rédaction"], plain.Authors);
        Assert.Contains("<p>Second paragraphe.</p>", plain.ContentHtml);
        Assert.Equal(3, (await gateway.FeedArticlesAsync("json")).Count);
        var problem = Assert.Single(await gateway.ProblemsAsync(), p => p.Source == $"feed:json#{SourceTesting.IdOf("json", "bad")}");
        Assert.Contains("title", problem.Reason);
        Assert.Equal(0, state.ConsecutiveFailures);
    }

    [Fact]
    public async Task PollAsync_SameItemsInAnotherOrder_KeepsIdsAndWritesNothing()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeText("/feed", Rss(Item("a", "Premier"), Item("b", "Deuxième"), Item("c", "Troisième")), "application/rss+xml");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("cms", upstream.Url("/feed"), "free")));
        await gateway.PollAsync("cms");
        var before = (await gateway.FeedArticlesAsync("cms")).ToDictionary(a => a.Id, a => a.Version);
        var version = await gateway.VersionAsync();

        upstream.ServeText("/feed", Rss(Item("c", "Troisième"), Item("a", "Premier"), Item("b", "Deuxième")), "application/rss+xml");
        var state = await gateway.PollAsync("cms");

        Assert.Equal(version, await gateway.VersionAsync());
        Assert.Equal(before, (await gateway.FeedArticlesAsync("cms")).ToDictionary(a => a.Id, a => a.Version));
        Assert.Equal(new[] { "a", "b", "c" }.Select(k => SourceTesting.IdOf("cms", k)).Order(), before.Keys.Order());
        Assert.Contains("3 unchanged", state.LastOutcome);
    }

    [Fact]
    public async Task PollAsync_ChangedItemAndItemsLeavingTheWindow_UpdatesOneAndKeepsTheOthers()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeText("/feed", Rss(Item("a", "Premier"), Item("b", "Deuxième")), "application/rss+xml");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("cms", upstream.Url("/feed"), "free")));
        await gateway.PollAsync("cms");
        var first = await gateway.SingleArticleAsync(SourceTesting.IdOf("cms", "a"));

        gateway.Clock!.Advance(TimeSpan.FromHours(1));
        upstream.ServeText("/feed", Rss(Item("a", "Premier, corrigé"), Item("z", "Nouveau")), "application/rss+xml");
        await gateway.PollAsync("cms");

        var corrected = await gateway.SingleArticleAsync(SourceTesting.IdOf("cms", "a"));
        Assert.Equal("Premier, corrigé", corrected.Title);
        Assert.True(corrected.Version > first.Version);
        Assert.Equal(first.Slug, corrected.Slug); // published: its URL stays
        Assert.Equal(gateway.Clock.GetUtcNow(), corrected.UpdatedAt);
        var gone = await gateway.SingleArticleAsync(SourceTesting.IdOf("cms", "b"));
        Assert.Equal(ArticleStatus.Published, gone.Status);
        Assert.Equal(3, (await gateway.FeedArticlesAsync("cms")).Count);
    }

    [Fact]
    public async Task PollAsync_MatchingETag_SendsIfNoneMatchAndA304ChangesNothing()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeFixture("/feed/", "wordpress.rss", "application/rss+xml", etag: "\"v1\"", cacheControl: "max-age=3600");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("cms", upstream.Url("/feed/"), "free")));
        var first = await gateway.PollAsync("cms");
        var version = await gateway.VersionAsync();

        var second = await gateway.PollAsync("cms");

        Assert.Equal("\"v1\"", upstream.Requests.Last().IfNoneMatch);
        Assert.Null(upstream.Requests.First().IfNoneMatch);
        Assert.Equal("not modified (304)", second.LastOutcome);
        Assert.Equal(version, await gateway.VersionAsync());
        // max-age (1 h) is longer than the 15 min interval: not polled sooner.
        Assert.Equal(Gateway.DefaultNow + TimeSpan.FromHours(1), first.NextPollAt);
        Assert.Equal(Gateway.DefaultNow + TimeSpan.FromHours(1), second.NextPollAt);
        Assert.StartsWith("EnContact.Syndication/", upstream.Requests.First().UserAgent);
        Assert.Contains("+https://www.en-contact.com/", upstream.Requests.First().UserAgent);
    }

    [Fact]
    public async Task PollAsync_429WithRetryAfter_RecordsAProblemAndWaitsAtLeastThatLong()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeStatus("/feed", StatusCodes.Status429TooManyRequests, retryAfter: "7200");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(3, ("cms", upstream.Url("/feed"), "free")));

        var state = await gateway.PollAsync("cms");

        Assert.Equal(1, upstream.RequestsTo("/feed")); // a 429 is not retried within the poll
        Assert.Equal(1, state.ConsecutiveFailures);
        Assert.Equal(Gateway.DefaultNow + TimeSpan.FromHours(2), state.NextPollAt);
        var problem = Assert.Single(await gateway.ProblemsAsync());
        Assert.Equal("feed:cms", problem.Source);
        Assert.Contains("HTTP 429", problem.Reason);
    }

    [Fact]
    public async Task PollAsync_500ThenRecovery_BacksOffKeepsArticlesThenClearsTheProblem()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeText("/feed", Rss(Item("a", "Premier")), "application/rss+xml");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("cms", upstream.Url("/feed"), "free")));
        await gateway.PollAsync("cms");
        var version = await gateway.VersionAsync();

        upstream.ServeStatus("/feed", StatusCodes.Status500InternalServerError);
        var failed = await gateway.PollAsync("cms");
        var failedAgain = await gateway.PollAsync("cms");

        Assert.Equal(2, failedAgain.ConsecutiveFailures);
        Assert.Equal(Gateway.DefaultNow + TimeSpan.FromMinutes(30), failed.NextPollAt);
        Assert.Equal(Gateway.DefaultNow + TimeSpan.FromMinutes(60), failedAgain.NextPollAt);
        Assert.Contains("HTTP 500", Assert.Single(await gateway.ProblemsAsync()).Reason);
        Assert.Equal(version, await gateway.VersionAsync());
        Assert.Equal("Premier", (await gateway.SingleArticleAsync(SourceTesting.IdOf("cms", "a"))).Title);

        upstream.ServeText("/feed", Rss(Item("a", "Premier")), "application/rss+xml");
        var recovered = await gateway.PollAsync("cms");

        Assert.Equal(0, recovered.ConsecutiveFailures);
        Assert.Empty(await gateway.ProblemsAsync());
    }

    [Fact]
    public async Task PollAsync_500ThenSuccess_PollyRetriesOnTheGatewayClock()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        var calls = 0;
        upstream.Serve("/feed", async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return;
            }
            context.Response.ContentType = "application/rss+xml";
            await context.Response.WriteAsync(Rss(Item("a", "Premier")));
        });
        var clock = new WatchedClock();
        await using var gateway = await Gateway.CreateAsync(clock: clock, settings: SourceTesting.Settings(1, ("cms", upstream.Url("/feed"), "free")));

        var poll = gateway.PollAsync("cms");
        await clock.WaitForTimerAsync(SourcesSetup.RetryDelay, 0);
        clock.Advance(SourcesSetup.RetryDelay);
        var state = await poll.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, upstream.RequestsTo("/feed"));
        Assert.Equal(0, state.ConsecutiveFailures);
        Assert.Equal("Premier", (await gateway.SingleArticleAsync(SourceTesting.IdOf("cms", "a"))).Title);
    }

    [Fact]
    public async Task PollAsync_BrokenXml_RecordsTheProblemAndDamagesNothing()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeText("/feed", Rss(Item("a", "Premier")), "application/rss+xml", etag: "\"good\"");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("cms", upstream.Url("/feed"), "free")));
        await gateway.PollAsync("cms");
        var version = await gateway.VersionAsync();

        upstream.ServeFixture("/feed", "broken.rss", "application/rss+xml", etag: "\"broken\"");
        var state = await gateway.PollAsync("cms");

        Assert.Equal(1, state.ConsecutiveFailures);
        Assert.Equal("\"good\"", state.ETag); // the broken document's validators are not kept: it is fetched whole next time
        Assert.Contains("not well-formed XML", Assert.Single(await gateway.ProblemsAsync()).Reason);
        Assert.Equal(version, await gateway.VersionAsync());
    }

    [Fact]
    public async Task PollAsync_SourceThatNeverAnswers_TimesOutIntoAProblem()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        upstream.Serve("/slow", async context =>
        {
            received.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                aborted.TrySetResult();
            }
        });
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("slow", upstream.Url("/slow"), "free")));

        var poll = gateway.PollAsync("slow");
        await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        gateway.Clock!.Advance(TimeSpan.FromSeconds(30));
        var state = await poll.WaitAsync(TimeSpan.FromSeconds(30));

        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, state.ConsecutiveFailures);
        Assert.Contains("Sources:RequestTimeout", Assert.Single(await gateway.ProblemsAsync()).Reason);
    }

    [Fact]
    public async Task PollAsync_FiftyMegabyteDocument_IsAbandonedWhileItStreams()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        const long size = 50L * 1024 * 1024;
        long written = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        upstream.Serve("/huge", async context =>
        {
            try
            {
                context.Response.ContentType = "application/rss+xml"; // no Content-Length: it has to be counted while it comes
                await context.Response.WriteAsync("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Énorme</title>");
                var chunk = System.Text.Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
                while (written < size && !context.RequestAborted.IsCancellationRequested)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                    written += chunk.Length;
                    // Kestrel drops writes after the client has gone and says so a moment later, through
                    // the thread pool: queue behind that news before writing again.
                    await Task.Yield();
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
            }
            finally
            {
                done.TrySetResult();
            }
        });
        upstream.ServeText("/feed", Rss(Item("a", "Premier")), "application/rss+xml");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("huge", upstream.Url("/feed"), "free")));
        await gateway.PollAsync("huge");
        var version = await gateway.VersionAsync();
        upstream.Serve("/feed", context => { context.Response.Redirect(upstream.Url("/huge")); return Task.CompletedTask; });

        var state = await gateway.PollAsync("huge");

        await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, state.ConsecutiveFailures);
        Assert.Contains("larger than Sources:MaxBytes (10485760 bytes", Assert.Single(await gateway.ProblemsAsync()).Reason);
        // The server could not send it all: the gateway stopped reading near 10 MiB and dropped the connection.
        Assert.True(written < size, $"the server wrote {written} bytes");
        Assert.Equal(version, await gateway.VersionAsync());
    }

    [Fact]
    public async Task PollAsync_ItemWhoseIdAFileHolds_IsAProblemUntilTheFileGoes()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeText("/feed", Rss(Item("a", "Version du flux")), "application/rss+xml");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("cms", upstream.Url("/feed"), "free")));
        var id = SourceTesting.IdOf("cms", "a");
        gateway.WriteContent("2026/fichier.md", $"---\nid: {id}\ntitle: Version du fichier\npublished: 2026-11-20 09:00\n---\nTexte.\n");
        await gateway.ScanAsync();

        await gateway.PollAsync("cms");

        var article = await gateway.SingleArticleAsync(id);
        Assert.Equal("Version du fichier", article.Title);
        Assert.Equal("file:2026/fichier.md", article.Source);
        var problem = Assert.Single(await gateway.ProblemsAsync());
        Assert.Equal($"feed:cms#{id}", problem.Source);
        Assert.Contains("the file 2026/fichier.md", problem.Reason);

        // The file goes: the same, unchanged item is taken in on the next poll and its problem cleared.
        File.Delete(Path.Combine(gateway.ContentPath, "2026", "fichier.md"));
        await gateway.ScanAsync();
        await gateway.PollAsync("cms");

        Assert.Equal("Version du flux", (await gateway.SingleArticleAsync(id)).Title);
        Assert.Empty(await gateway.ProblemsAsync());
    }

    internal static string Item(string guid, string title, string? date = "Thu, 26 Nov 2026 08:30:00 +0100") => $"""
        <item><title>{System.Net.WebUtility.HtmlEncode(title)}</title><link>https://cms.en-contact.example/{guid}/</link>
        <guid isPermaLink="false">{guid}</guid>{(date is null ? "" : $"<pubDate>{date}</pubDate>")}
        <description>Résumé de {System.Net.WebUtility.HtmlEncode(title)}.</description>
        <content:encoded><![CDATA[<p>Texte de {System.Net.WebUtility.HtmlEncode(title)}.</p>]]></content:encoded></item>
        """;

    internal static string Rss(params string[] items) => Rss(null, items);

    internal static string Rss(string? channelExtra, params string[] items) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
        <channel><title>CMS</title><link>https://cms.en-contact.example/</link><description>CMS</description>{channelExtra}
        {string.Join("\n", items)}
        </channel></rss>
        """;
}
