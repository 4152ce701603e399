using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Feeds;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Digests;

/// <summary>
/// An edition from built to finished: it ends sent (or sent with failures, with its counts) when its
/// last message settles; while it waits for approval the editor sees what changed and can rebuild or
/// discard it; preview and test copy agree on what there is to show.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class EditionLifecycleTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Key = "2026-11-30-0800";

    private static async Task<(Gateway Gateway, TestSmtpServer Server)> StartAsync(bool requireApproval = false)
    {
        var server = await TestSmtpServer.StartNewAsync();
        var settings = server.GatewaySettings(retryAttempts: 0);
        settings["Digest:RequireApproval"] = requireApproval ? "true" : "false";
        var gateway = await Gateway.CreateAsync(start: true, settings: settings);
        await WeekAsync(gateway);
        return (gateway, server);
    }

    private static async Task<EditionSummary> EditionAsync(Gateway gateway) => (await Store(gateway).GetAsync(Key, None))!.Value.Edition;

    /// <summary>Waits on the editions' change signal (not a timer; 60 s at most) until the edition has finished.</summary>
    private static async Task<EditionSummary> FinishedAsync(Gateway gateway)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var seen = Store(gateway).Changes.Version;
            if (await EditionAsync(gateway) is { FinishedAt: not null } finished)
                return finished;
            await Store(gateway).Changes.WaitForChangeAsync(seen, limit.Token);
        }
    }

    [Fact]
    public async Task Edition_EndsSentWithFailures_WhenItsLastMessageSettles_AndTheApiSaysSoInWords()
    {
        var (gateway, server) = await StartAsync();
        await using var _ = server;
        await using var __ = gateway;
        await SubscribersAsync(gateway, ("a@exemple.fr", null), ("b@exemple.fr", null), ("bloque@exemple.fr", null));
        server.RejectRecipient("bloque@exemple.fr", 550, reply: "5.7.1 refused by policy");
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));

        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);
        var finished = await FinishedAsync(gateway);

        Assert.Equal(EditionStatus.SentWithFailures, finished.Status);
        Assert.Equal(new DeliveryCounts(2, 1, 0, 0), finished.Counts);
        var api = await gateway.Client.GetFromJsonAsync<JsonObject>($"/api/digests/{Key}");
        Assert.Equal("sent-with-failures", (string?)api!["edition"]!["status"]);
        Assert.Equal(1, (int)api["edition"]!["counts"]!["failed"]!);
        var delivery = await gateway.Client.GetFromJsonAsync<JsonObject>($"/api/deliveries/digest-{Key}");
        Assert.Equal("done", (string?)delivery!["state"]);
        Assert.Null(delivery["estimatedFinish"]);
    }

    [Fact]
    public async Task Edition_WithNoFailure_EndsSent()
    {
        var (gateway, server) = await StartAsync();
        await using var _ = server;
        await using var __ = gateway;
        await SubscribersAsync(gateway, ("a@exemple.fr", null));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));

        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);
        var finished = await FinishedAsync(gateway);

        Assert.Equal((EditionStatus.Sent, new DeliveryCounts(1, 0, 0, 0)), (finished.Status, finished.Counts));
    }

    [Fact]
    public async Task EditionStillSendingAfterACrash_IsFinishedByTheNextTick()
    {
        await using var gateway = await Gateway.CreateAsync(); // not started: no delivery worker to tell the edition
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("a@exemple.fr", null));
        var edition = await Builder(gateway).BuildAsync(Monday, None);
        await Queue(gateway).QueueAsync(edition.Key, None);
        var outbox = gateway.Services.GetRequiredService<EnContact.Syndication.Delivery.OutboxStore>();
        foreach (var item in await outbox.ClaimAsync("w", 10, None))
            await outbox.MarkSentAsync(item, "250 ok", None);
        Assert.Equal(EditionStatus.Sending, (await EditionAsync(gateway)).Status);

        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);

        Assert.Equal(EditionStatus.Sent, (await EditionAsync(gateway)).Status);
    }

    [Fact]
    public async Task WaitingEdition_ShowsWhatChanged_ThenRebuilt_CarriesTheCorrection_SameKeyAndNumber()
    {
        var (gateway, server) = await StartAsync(requireApproval: true);
        await using var _ = server;
        await using var __ = gateway;
        await SubscribersAsync(gateway, ("a@exemple.fr", null));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);
        Assert.Equal(EditionStatus.AwaitingApproval, (await EditionAsync(gateway)).Status);

        await ArticleAsync(gateway, "e1", "Baromètre 2026 du nearshore (corrigé)", "études", "2026-11-25 08:00");
        await gateway.Articles.MarkDeletedAsync("a2", None);
        var detail = await gateway.Client.GetFromJsonAsync<JsonObject>($"/api/digests/{Key}");
        var changes = detail!["changesSinceBuilt"]!.AsArray().ToDictionary(c => (string)c!["articleId"]!, c => (string)c!["change"]!);
        Assert.StartsWith("changed: title", changes["e1"]);
        Assert.StartsWith("withdrawn", changes["a2"]);

        var rebuilt = await gateway.Client.PostAsync($"/api/digests/{Key}/rebuild", null);
        Assert.Equal(HttpStatusCode.OK, rebuilt.StatusCode);
        var (edition, snapshot) = (await Store(gateway).GetAsync(Key, None))!.Value;
        Assert.Equal((Key, 1, EditionStatus.AwaitingApproval), (edition.Key, edition.Number, edition.Status));
        var titles = snapshot!.Sections.SelectMany(s => s.Items).Select(i => i.Title).ToList();
        Assert.Contains("Baromètre 2026 du nearshore (corrigé)", titles);
        Assert.DoesNotContain("Externalisation : les contrats se durcissent", titles);
        Assert.Empty((await gateway.Client.GetFromJsonAsync<JsonObject>($"/api/digests/{Key}"))!["changesSinceBuilt"]!.AsArray());

        await gateway.Client.PostAsync($"/api/digests/{Key}/approve", null);
        await server.WaitForMessagesAsync(1);
        Assert.Contains("Baromètre 2026 du nearshore (corrigé)", server.Messages[0].Message.HtmlBody);
    }

    [Fact]
    public async Task WaitingEdition_Discarded_ItsArticlesAndNumberGoToTheNextEdition()
    {
        var (gateway, server) = await StartAsync(requireApproval: true);
        await using var _ = server;
        await using var __ = gateway;
        var scheduler = gateway.Services.GetRequiredService<DigestScheduler>();
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await scheduler.TickAsync(None);

        var discarded = await gateway.Client.PostAsync($"/api/digests/{Key}/discard", null);
        var again = await gateway.Client.PostAsync($"/api/digests/{Key}/discard", null);
        gateway.Clock.SetUtcNow(Monday.AddDays(7).AddMinutes(1));
        await scheduler.TickAsync(None);

        Assert.Equal(HttpStatusCode.OK, discarded.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal((EditionStatus.Discarded, (int?)null), ((await EditionAsync(gateway)).Status, (await EditionAsync(gateway)).Number));
        var next = (await Store(gateway).GetAsync("2026-12-07-0800", None))!.Value;
        Assert.Equal(1, next.Edition.Number);
        Assert.Equal(4, next.Snapshot!.ItemCount); // the discarded week's articles
    }

    [Fact]
    public async Task PreviewAndTestCopy_Agree_NothingNewMeansNothingSent_UnlessAnEditionIsNamed()
    {
        await using var gateway = await Gateway.CreateAsync();
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("a@exemple.fr", null));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None); // the edition goes out; nothing new after it
        var editions = gateway.Services.GetRequiredService<DigestEditions>();

        var (preview, previewProblem) = await editions.PreviewAsync(null, null, null, None);
        var (body, _, testProblem) = await editions.TestCopyAsync("editeur@en-contact.com", null, None);
        var (named, request, namedProblem) = await editions.TestCopyAsync("editeur@en-contact.com", Key, None);

        Assert.Null(preview);
        Assert.Null(body);
        Assert.StartsWith("nothing new since", previewProblem);
        Assert.Equal(previewProblem, testProblem);
        Assert.Null(namedProblem);
        Assert.StartsWith("[TEST] La lettre d’En-Contact n° 1", named!.Subject);
        Assert.StartsWith("digest-test-", request!.Campaign);
    }

    [Fact]
    public async Task PreviewAndTestCopy_WithAnEditionWaiting_ShowThatEdition()
    {
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?> { ["Digest:RequireApproval"] = "true" });
        await WeekAsync(gateway);
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);
        var editions = gateway.Services.GetRequiredService<DigestEditions>();

        var (preview, _) = await editions.PreviewAsync(null, null, null, None);
        var (body, _, _) = await editions.TestCopyAsync("editeur@en-contact.com", null, None);

        Assert.Contains("Baromètre 2026 du nearshore", preview!.Html);
        Assert.Equal("[TEST] " + preview.Subject, body!.Subject);
    }
    [Fact]
    public async Task Preview_Since_ShowsTheNextEditionFromThatDate_ButNotForANamedEdition()
    {
        await using var gateway = await Gateway.CreateAsync();
        await WeekAsync(gateway);
        gateway.Clock!.SetUtcNow(Monday.AddDays(60)); // the week's articles are far behind the look-back
        var editions = gateway.Services.GetRequiredService<DigestEditions>();

        var (plain, plainProblem) = await editions.PreviewAsync(null, null, null, None);
        var (since, _) = await editions.PreviewAsync(null, null, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.FromHours(1)), None);
        var (named, namedProblem) = await editions.PreviewAsync(Key, null, Monday, None);

        Assert.Null(plain);
        Assert.StartsWith("nothing new since", plainProblem);
        Assert.Contains("Baromètre 2026 du nearshore", since!.Html);
        Assert.DoesNotContain("Un article d’octobre", since.Html);
        Assert.Null(named);
        Assert.StartsWith("since:", namedProblem);
    }

    [Fact]
    public async Task PreviewApi_Since_IsReadInMagazineTime_AndABadDateIsA400ThatSaysSo()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await WeekAsync(gateway);
        gateway.Clock!.SetUtcNow(Monday.AddDays(60));

        var since = await gateway.Client.GetAsync("/api/digests/preview?since=2026-11-01");
        var bad = await gateway.Client.GetAsync("/api/digests/preview?since=novembre");

        Assert.Equal(HttpStatusCode.OK, since.StatusCode);
        Assert.Contains("Baromètre 2026 du nearshore", await since.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("since: 'novembre' is not a date", await bad.Content.ReadAsStringAsync());
    }
}
