using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using static EnContact.Syndication.Tests.Desk.DeskFixture;

namespace EnContact.Syndication.Tests.Sources;

[Trait("Speed", "Slow")]
public sealed class SourcesApiTests
{
    [Fact]
    public async Task GetSources_AfterAFailedPoll_ShowsItsStatusAndTheProblemsApiListsIt()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeStatus("/feed", StatusCodes.Status503ServiceUnavailable, retryAfter: "600");
        using var logs = new LogCapture();
        await using var gateway = await Gateway.CreateAsync(start: true, logs: logs, settings: SourceTesting.Settings(("cms", upstream.Url("/feed"), "premium")));
        await logs.WaitForAsync(line => line.Contains("Feed cms: poll failed", StringComparison.Ordinal));

        using var anonymous = await gateway.NewClient(null).GetAsync("/api/sources");
        var sources = await gateway.Client.GetFromJsonAsync<JsonElement>("/api/sources");
        var problems = await gateway.Client.GetFromJsonAsync<JsonElement>("/api/ingestion/problems");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var source = Assert.Single(sources.EnumerateArray());
        Assert.Equal("cms", source.GetProperty("name").GetString());
        Assert.Equal("premium", source.GetProperty("access").GetString());
        Assert.Equal(1, source.GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal(0, source.GetProperty("itemCount").GetInt32());
        Assert.StartsWith("failed: HTTP 503", source.GetProperty("lastOutcome").GetString());
        Assert.Equal(Gateway.DefaultNow, source.GetProperty("lastPollAt").GetDateTimeOffset());
        Assert.Equal(Gateway.DefaultNow + TimeSpan.FromMinutes(30), source.GetProperty("nextPollAt").GetDateTimeOffset());
        Assert.Contains(problems.EnumerateArray(), p => p.GetProperty("source").GetString() == "feed:cms"
            && p.GetProperty("reason").GetString()!.Contains("HTTP 503", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Healthz_FeedFailingThreeTimesInARow_IsDegradedNamingIt_StillAnswering200_AndHealthyOnceItRecovers()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeStatus("/broken", StatusCodes.Status500InternalServerError);
        upstream.ServeStatus("/once", StatusCodes.Status500InternalServerError);
        // Not started: the worker stays out of the way, the test polls.
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("broken", upstream.Url("/broken"), "free"), ("once", upstream.Url("/once"), "free")));
        for (var i = 0; i < 3; i++)
            await gateway.PollAsync("broken");
        await gateway.PollAsync("once");

        var checks = gateway.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>();
        var degraded = (await checks.CheckHealthAsync(CancellationToken.None)).Entries["sources"];

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, degraded.Status);
        Assert.StartsWith("feed broken failed its last 3 polls (failed: HTTP 500", degraded.Description);
        Assert.DoesNotContain("feed once", degraded.Description); // one failure is not worth a look yet

        upstream.ServeFixture("/broken", "feed.json", "application/feed+json");
        await gateway.PollAsync("broken");
        var healthy = (await checks.CheckHealthAsync(CancellationToken.None)).Entries["sources"];
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, healthy.Status);
    }

    [Fact]
    public async Task Healthz_NoFeedConfigured_IsHealthySayingSo()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var health = await gateway.NewClient(null).GetFromJsonAsync<JsonElement>("/healthz");

        var sources = health.GetProperty("checks").GetProperty("sources");
        Assert.Equal("healthy", sources.GetProperty("status").GetString());
        Assert.Contains("Sources:Feeds is empty", sources.GetProperty("description").GetString());
    }

    [Fact]
    public async Task DeskArticlesPage_FeedProblem_IsListed()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeFixture("/broken", "broken.rss", "application/rss+xml");
        await using var gateway = await StartAsync(SourceTesting.Settings(("casse", upstream.Url("/broken"), "free")));
        await gateway.PollAsync("casse");
        using var browser = await SignedInAsync(gateway);

        var page = await browser.GetAsync("/admin/articles");

        var problem = page.Document.QuerySelectorAll("h2.changed + p + div tbody tr").Single(r => r.QuerySelector("code")!.TextContent == "feed:casse");
        Assert.Contains("not well-formed XML", problem.TextContent);
    }

    [Fact]
    public async Task PutArticle_IdOfAFeedArticle_IsRefusedAndTheFeedKeepsIt()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeText("/feed", SourcePollerTests.Rss(SourcePollerTests.Item("a", "Version du flux")), "application/rss+xml");
        await using var gateway = await Gateway.CreateAsync(start: true, settings: SourceTesting.Settings(("cms", upstream.Url("/feed"), "free")));
        await gateway.PollAsync("cms");
        var id = SourceTesting.IdOf("cms", "a");

        using var put = await gateway.Client.PutAsync($"/api/articles/{id}", new StringContent(
            """{"title":"Version de l'API","published":"2026-11-20T08:00:00Z","contentMarkdown":"Texte."}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Conflict, put.StatusCode);
        Assert.Contains("feed:cms", await put.Content.ReadAsStringAsync());
        Assert.Equal("Version du flux", (await gateway.SingleArticleAsync(id)).Title);
    }
}
