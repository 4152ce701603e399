using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using EnContact.Syndication.Tests.Fixtures;
using EnContact.Syndication.Tests.Subscribers;

namespace EnContact.Syndication.Tests.Composition;

/// <summary>
/// The OpenTelemetry exporters only listen to meters by name, whichever host made them: a scrape would
/// count another test's gateway running at the same time. These tests run alone, after the others.
/// </summary>
[CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
public sealed class TelemetryCollection;

/// <summary>The scrape endpoint and the exporters' settings, over real HTTP: what an operator's Prometheus sees after real work.</summary>
[Trait("Speed", "Slow")]
[Collection(nameof(TelemetryCollection))]
public sealed class TelemetryTests
{
    private const string ScrapeToken = "scrape-token-0123456789abcdefghij";

    [Fact]
    public async Task Metrics_Off_EndpointIsNotThere()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var answer = await gateway.NewClient(null).GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }

    [Fact]
    public async Task Metrics_Token_WithoutOrWithWrongTokenIs401_WithTokenIsTheScrape()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Telemetry:Metrics"] = "Token",
            ["Telemetry:MetricsToken"] = ScrapeToken,
        });

        var anonymous = await gateway.NewClient(null).GetAsync("/metrics");
        var admin = await gateway.NewClient(Gateway.AdminToken).GetAsync("/metrics");
        var scraper = await gateway.NewClient(ScrapeToken).GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, admin.StatusCode); // the admin token is not a scrape token
        Assert.Equal(HttpStatusCode.OK, scraper.StatusCode);
        Assert.StartsWith("text/plain", scraper.Content.Headers.ContentType?.MediaType);
        Assert.True(PrometheusText.Parse(await scraper.Content.ReadAsStringAsync()).Has("encontact_delivery_circuit_state", ("state", "closed")));
    }

    [Theory]
    [InlineData("Telemetry:OtlpEndpoint", "not a url", "Telemetry:OtlpEndpoint: 'not a url' is not an absolute http(s) URL")]
    [InlineData("Telemetry:OtlpEndpoint", "ftp://collector:4317", "Telemetry:OtlpEndpoint: 'ftp://collector:4317' is not an absolute http(s) URL")]
    [InlineData("Telemetry:Metrics", "Token", "Telemetry:MetricsToken: is required when Telemetry:Metrics is Token")]
    [InlineData("Telemetry:Metrics", "Sometimes", "Telemetry:Metrics")]
    public async Task Settings_Invalid_StartIsRefusedNamingTheKey(string key, string value, string expected)
    {
        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            Gateway.CreateAsync(settings: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(failure.Failures, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Settings_MetricsTokenIsTheAdminToken_StartIsRefused()
    {
        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            Gateway.CreateAsync(settings: new Dictionary<string, string?> { ["Telemetry:Metrics"] = "Token", ["Telemetry:MetricsToken"] = Gateway.AdminToken }));

        Assert.Contains(failure.Failures, f => f.StartsWith("Telemetry:MetricsToken: must not be Admin:ApiToken", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Settings_OtlpEndpointValid_GatewayStartsAndServes()
    {
        // Nothing listens there: the exporter only sends in the background, and a collector that is down never stops the gateway.
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Telemetry:OtlpEndpoint"] = "http://127.0.0.1:9/",
            ["Telemetry:OtlpProtocol"] = "HttpProtobuf",
        });

        Assert.Equal(HttpStatusCode.OK, (await gateway.NewClient(null).GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.NewClient(null).GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Scrape_AfterRealWork_SeriesMovedWithTheirLabels()
    {
        await using var running = await SubscriptionFlowTests.StartAsync(new()
        {
            ["Telemetry:Metrics"] = "Open",
            ["Subscribers:RequestsPerMinutePerClient"] = "1000",
        });
        var (gateway, server) = (running.Gateway, running.Server);
        server.RejectRecipient("inconnu@exemple.fr", 550, reply: "5.1.1 no such user here");
        var reader = gateway.NewClient(null);
        var before = await ScrapeAsync(reader);

        // An article saved through the admin API, and one refused.
        Assert.Equal(HttpStatusCode.Created, (await gateway.Client.PutAsJsonAsync("/api/articles/ec-metrics-1", Article("Le baromètre de la relation client"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.Client.PutAsJsonAsync("/api/articles/ec-metrics-2", Article(""))).StatusCode);
        await gateway.WaitForFeedsAsync();

        // A reader polls a feed, then polls again with its ETag; another asks for a feed that does not exist.
        var first = await reader.GetAsync("/feeds/all.atom");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var bodyBytes = (await first.Content.ReadAsByteArrayAsync()).Length;
        using (var conditional = new HttpRequestMessage(HttpMethod.Get, "/feeds/all.atom"))
        {
            conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            Assert.Equal(HttpStatusCode.NotModified, (await reader.SendAsync(conditional)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync("/feeds/nothing-here.atom")).StatusCode);

        // Two readers subscribe: one confirmation reaches the SMTP server, the relay refuses the other's address for good.
        using (var browser = new Browser(gateway))
        {
            await SubscriptionFlowTests.SubscribeThroughFormAsync(browser, "lectrice@exemple.fr");
            await SubscriptionFlowTests.SubscribeThroughFormAsync(browser, "inconnu@exemple.fr");
        }
        await server.WaitForMessagesAsync(1);
        await gateway.WaitForCampaignAsync($"confirm-{Gateway.DefaultNow:yyyyMMdd}", p => p.Sent == 1 && p.Failed == 1);

        var after = await ScrapeAsync(reader);

        Assert.Equal((0, 1), Moved(before, after, "encontact_feeds_requests_total", ("status", "200"), ("format", "atom")));
        Assert.Equal((0, 1), Moved(before, after, "encontact_feeds_requests_total", ("status", "304"), ("format", "atom")));
        Assert.Equal((0, 1), Moved(before, after, "encontact_feeds_requests_total", ("status", "404"), ("format", "none")));
        Assert.Equal(bodyBytes, after.Value("encontact_feeds_sent_bytes_total", ("format", "atom")) - before.Value("encontact_feeds_sent_bytes_total", ("format", "atom")));
        Assert.True(after.Value("encontact_feeds_rebuild_duration_seconds_count", ("outcome", "ok")) > before.Value("encontact_feeds_rebuild_duration_seconds_count", ("outcome", "ok")),
            "the article's save rebuilt the feeds");

        Assert.Equal((0, 1), Moved(before, after, "encontact_ingestion_articles_total", ("source", "api"), ("outcome", "created")));
        Assert.Equal((0, 1), Moved(before, after, "encontact_ingestion_problems_total", ("source", "api")));

        Assert.Equal((0, 2), Moved(before, after, "encontact_subscribers_subscriptions_total", ("outcome", "confirmation-queued")));

        Assert.Equal((0, 1), Moved(before, after, "encontact_delivery_messages_total", ("result", "sent"), ("kind", "transactional"), ("failure_class", "none")));
        Assert.Equal((0, 1), Moved(before, after, "encontact_delivery_messages_total", ("result", "failed"), ("kind", "transactional"), ("failure_class", "mailbox")));
        Assert.Equal((0, 1), Moved(before, after, "encontact_delivery_smtp_duration_seconds_count", ("outcome", "ok")));
        Assert.Equal((0, 1), Moved(before, after, "encontact_delivery_smtp_duration_seconds_count", ("outcome", "error")));
        Assert.Equal(1, after.Value("encontact_delivery_circuit_state", ("state", "closed")));
        Assert.Equal(0, after.Value("encontact_delivery_circuit_state", ("state", "open")));
        Assert.True(after.Has("encontact_delivery_outbox_messages", ("status", "pending")), "the outbox's depth is exported");

        // Polly's own telemetry of the SMTP pipeline, and ASP.NET Core's request metrics.
        Assert.Contains(after.Samples, s => s.Name.StartsWith("resilience_polly_", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("pipeline_name") == "smtp");
        Assert.Contains(after.Samples, s => s.Name == "http_server_request_duration_seconds_count" && s.Labels.GetValueOrDefault("http_route") == "/feeds/{**path}");
    }

    private static (double Before, double After) Moved(PrometheusText before, PrometheusText after, string name, params (string, string)[] labels) =>
        (before.Value(name, labels), after.Value(name, labels));

    private static async Task<PrometheusText> ScrapeAsync(HttpClient client)
    {
        var answer = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return PrometheusText.Parse(await answer.Content.ReadAsStringAsync());
    }

    private static object Article(string title) => new
    {
        title,
        published = "2026-11-20 09:30",
        authors = new[] { "Claire Dubois" },
        section = "analyses",
        summary = "Le chapeau.",
        contentMarkdown = "Premier paragraphe.",
    };
}
