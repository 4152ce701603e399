using System.Net;
using System.Text;
using AngleSharp.Html.Parser;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Digests;

/// <summary>
/// The weekly run end to end: the scheduler fires on the (fake) clock, the edition is built and
/// queued, the delivery engine sends it to a real loopback SMTP server, and every captured message
/// is checked — headers, both parts, and its links followed against the running gateway.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class DigestFlowTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly HtmlParser Parser = new();

    private static Task WaitUntilSentAsync(Gateway gateway, string campaign) =>
        gateway.WaitForCampaignAsync(campaign, p => p is { Pending: 0, Sending: 0 });

    private static async Task<EditionSummary> WaitForEditionAsync(Gateway gateway) =>
        await gateway.WaitForOutboxAsync(async () => (await Store(gateway).ListAsync(None)).FirstOrDefault(e => EditionStatuses.WentOut.Contains(e.Status)));

    [Fact]
    public async Task MondayMorning_EachSubscriberGetsTheirSections_EveryMessageAndLinkChecked()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        await using var gateway = await Gateway.CreateAsync(start: true, settings: server.GatewaySettings());
        await WeekAsync(gateway);
        var people = await SubscribersAsync(gateway,
            ("tout@exemple.fr", null), ("etudes@exemple.fr", ["études"]), ("rien@exemple.fr", ["entretiens"]), ("deux@exemple.fr", ["analyses", "indiscrétions"]));

        gateway.Clock!.SetUtcNow(Monday.AddSeconds(30)); // the scheduler's timer fires on the fake clock
        var edition = await WaitForEditionAsync(gateway);
        await WaitUntilSentAsync(gateway, edition.Campaign);

        Assert.Equal(("2026-11-30-0800", 1, 3), (edition.Key, edition.Number, edition.Recipients));
        var messages = server.Messages.ToDictionary(m => m.To.Single(), m => m.Message);
        Assert.Equal(["deux@exemple.fr", "etudes@exemple.fr", "tout@exemple.fr"], messages.Keys.Order());
        var client = gateway.NewClient(null);
        foreach (var (address, message) in messages)
        {
            var subscriber = people.Single(p => p.Address == address);
            Assert.Equal("La lettre d’En-Contact n° 1 — 30 novembre 2026", message.Subject);
            Assert.Equal(OutboxStore.MessageIdOf(OutboxStore.KeyOf(edition.Campaign, address), "en-contact.com"), message.MessageId);
            Assert.Equal("La lettre d’En-Contact <lettre.en-contact.com>", message.Headers["List-Id"]);
            Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
            var unsubscribe = message.Headers["List-Unsubscribe"]!.Split(',')[0].Trim('<', '>', ' ');
            Assert.StartsWith(Gateway.PublicUrl + "unsubscribe/", unsubscribe);
            Assert.Matches(@"<mailto:desinscription\+[a-z2-7]{44}@en-contact\.com\?subject=unsubscribe>", message.Headers["List-Unsubscribe"]);

            var html = Parser.ParseDocument(message.HtmlBody ?? "");
            var htmlLinks = html.QuerySelectorAll("a").Select(a => a.GetAttribute("href")!).ToList();
            var textLinks = System.Text.RegularExpressions.Regex.Matches(message.TextBody ?? "", @"https://\S+").Select(m => m.Value).ToList();
            Assert.Equal(htmlLinks.Where(l => l != "https://www.en-contact.com/").ToHashSet(), textLinks.Where(l => l != "https://www.en-contact.com/").ToHashSet());
            Assert.Contains(unsubscribe, htmlLinks);
            var articles = html.QuerySelectorAll("h3 a").Select(a => a.TextContent).ToList();
            var expected = subscriber.Sections switch
            {
                null => ["Relation client : l’IA > le script & le reste", "Externalisation : les contrats se durcissent", "Baromètre 2026 du nearshore", "Les indiscrétions de novembre"],
                ["études"] => new[] { "Baromètre 2026 du nearshore" },
                _ => ["Relation client : l’IA > le script & le reste", "Externalisation : les contrats se durcissent", "Les indiscrétions de novembre"],
            };
            Assert.Equal(expected, articles);
            Assert.All(articles, title => Assert.Contains("* " + title, message.TextBody));

            // Every link of ours works against the running gateway.
            foreach (var link in htmlLinks.Where(l => l.StartsWith(Gateway.PublicUrl, StringComparison.Ordinal)))
                Assert.True((await client.GetAsync(new Uri(link).PathAndQuery)).StatusCode == HttpStatusCode.OK, link);
        }
        Assert.DoesNotContain("rien@exemple.fr", messages.Keys);

        // The header's one-click works as a mailbox provider sends it.
        var oneClick = messages["tout@exemple.fr"].Headers["List-Unsubscribe"]!.Split(',')[0].Trim('<', '>', ' ');
        var response = await client.PostAsync(new Uri(oneClick).PathAndQuery, new StringContent("List-Unsubscribe=One-Click", Encoding.ASCII, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await gateway.Services.GetRequiredService<SubscriberStore>().FindAsync("tout@exemple.fr", None))!.Status);
    }

    [Fact]
    public async Task Archive_ListsTheEdition_WebVersionHasNoPersonalLink_FeedParses()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lecteur@exemple.fr", null));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);
        await gateway.WaitForFeedsAsync(); // the archive's feed is rebuilt with the other feeds
        var client = gateway.NewClient(null);

        var archive = Parser.ParseDocument(await client.GetStringAsync("/digests"));
        var web = await client.GetAsync("/digests/1");
        var page = await web.Content.ReadAsStringAsync();
        var feed = CodeHollow.FeedReader.FeedReader.ReadFromString(await client.GetStringAsync("/digests/feed.atom"));

        Assert.Equal(["https://lettre.en-contact.com/digests/1"], archive.QuerySelectorAll("main li a").Select(a => a.GetAttribute("href")));
        Assert.Equal("https://lettre.en-contact.com/digests/feed.atom", archive.QuerySelector("link[rel=alternate]")!.GetAttribute("href"));
        Assert.Equal(HttpStatusCode.OK, web.StatusCode);
        Assert.Contains("Relation client : l’IA &gt; le script &amp; le reste", page);
        Assert.DoesNotContain("unsubscribe/", page);
        Assert.DoesNotContain("preferences/", page);
        Assert.DoesNotContain("{{", page);
        Assert.Contains("https://lettre.en-contact.com/subscribe", page);
        var item = Assert.Single(feed.Items);
        Assert.Equal(("La lettre d’En-Contact n° 1 — 30 novembre 2026", "https://lettre.en-contact.com/digests/1"), (item.Title, item.Link));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/digests/2")).StatusCode);
    }

    [Fact]
    public async Task GatewayDownAtFireTime_BackWithinTheWindow_BuildsAndQueues()
    {
        await using var gateway = await Gateway.CreateAsync();
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lecteur@exemple.fr", null));
        gateway.Clock!.SetUtcNow(Monday.AddHours(5)); // back at 13:00, window 6 h

        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);

        var edition = Assert.Single(await Store(gateway).ListAsync(None));
        Assert.Equal((EditionStatus.Sending, 1), (edition.Status, edition.Recipients));
    }

    [Fact]
    public async Task GatewayDownAtFireTime_BackAfterTheWindow_SkipsAndSaysSo_ArticlesGoIntoTheNextEdition()
    {
        await using var gateway = await Gateway.CreateAsync();
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lecteur@exemple.fr", null));
        var scheduler = gateway.Services.GetRequiredService<DigestScheduler>();
        await Builder(gateway).BuildAsync(Monday.AddDays(-7), None); // the gateway ran the week before (nothing to send then)
        gateway.Clock!.SetUtcNow(Monday.AddHours(7));

        await scheduler.TickAsync(None);
        var skipped = (await Store(gateway).ListAsync(None))[0];
        Assert.Equal(EditionStatus.Skipped, skipped.Status);
        Assert.Contains("past Digest:CatchUpWindow", skipped.Reason);
        Assert.Empty(await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(null, None));

        gateway.Clock.SetUtcNow(Monday.AddDays(7).AddMinutes(1));
        await scheduler.TickAsync(None);
        var next = (await Store(gateway).ListAsync(None))[0];
        var snapshot = (await Store(gateway).GetAsync(next.Key, None))!.Value.Snapshot!;
        Assert.Equal(("2026-12-07-0800", 1, EditionStatus.Sending), (next.Key, next.Number, next.Status));
        Assert.Equal(4, snapshot.ItemCount);
    }

    [Fact]
    public async Task RequireApproval_EditionWaits_PreviewIsAvailable_ApprovalQueuesIt()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Digest:RequireApproval"] = "true" });
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("a@exemple.fr", null), ("b@exemple.fr", ["études"]));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);
        var key = "2026-11-30-0800";

        Assert.Equal(EditionStatus.AwaitingApproval, (await Store(gateway).GetAsync(key, None))!.Value.Edition.Status);
        Assert.Empty(await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(null, None));
        var preview = await gateway.Client.GetAsync($"/api/digests/{key}/preview?subscriber=b@exemple.fr");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var previewHtml = await preview.Content.ReadAsStringAsync();
        Assert.Contains("Baromètre 2026 du nearshore", previewHtml);
        Assert.DoesNotContain("Externalisation", previewHtml);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.NewClient(null).GetAsync("/digests/1")).StatusCode);

        var approved = await gateway.Client.PostAsync($"/api/digests/{key}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var approvedEdition = (await Store(gateway).GetAsync(key, None))!.Value.Edition;
        Assert.Contains(approvedEdition.Status, EditionStatuses.WentOut);
        Assert.Equal(2, approvedEdition.Recipients);
        Assert.Equal(HttpStatusCode.Conflict, (await gateway.Client.PostAsync($"/api/digests/{key}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.PostAsync("/api/digests/2031-01-06-0800/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/api/digests/2031-01-06-0800")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/api/digests/2031-01-06-0800/preview")).StatusCode);
    }

    [Fact]
    public async Task TestCopy_ToASubscriber_CarriesTheLettersOwnListHeaders()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        await using var gateway = await Gateway.CreateAsync(start: true, settings: server.GatewaySettings());
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lecteur@exemple.fr", null));
        gateway.Clock!.SetUtcNow(Monday.AddSeconds(30));
        var edition = await WaitForEditionAsync(gateway);
        await WaitUntilSentAsync(gateway, edition.Campaign);

        // At the same instant as the letter: the links' expiry, hence their tokens, are the same.
        var test = await gateway.Client.PostAsync("/api/digests/test",
            new StringContent($"{{\"to\":\"lecteur@exemple.fr\",\"edition\":\"{edition.Key}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        await server.WaitForMessagesAsync(2);

        var letter = server.Messages.Single(m => m.Message.MessageId == OutboxStore.MessageIdOf(OutboxStore.KeyOf(edition.Campaign, "lecteur@exemple.fr"), "en-contact.com")).Message;
        var copy = server.Messages.Single(m => m.Message.Subject!.StartsWith("[TEST]", StringComparison.Ordinal)).Message;
        Assert.Matches(@"<mailto:desinscription\+[a-z2-7]{44}@en-contact\.com\?subject=unsubscribe>", copy.Headers["List-Unsubscribe"]);
        foreach (var header in new[] { "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "To" })
            Assert.Equal(letter.Headers[header], copy.Headers[header]);
        Assert.StartsWith("digest-test-", copy.Headers["Feedback-ID"]);
        Assert.Equal(letter.Headers.Select(h => h.Field).Order(), copy.Headers.Select(h => h.Field).Order());
    }

    [Fact]
    public async Task AdminApi_ScheduleListPreviewAndTestCopy_BehindTheToken()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        await using var gateway = await Gateway.CreateAsync(start: true, settings: server.GatewaySettings());
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lecteur@exemple.fr", ["indiscrétions"]));

        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.NewClient(null).GetAsync("/api/digests")).StatusCode);
        var list = System.Text.Json.JsonDocument.Parse(await gateway.Client.GetStringAsync("/api/digests")).RootElement;
        Assert.Equal(["2026-11-30T08:00:00+01:00", "2026-12-07T08:00:00+01:00", "2026-12-14T08:00:00+01:00", "2026-12-21T08:00:00+01:00", "2026-12-28T08:00:00+01:00"],
            list.GetProperty("nextFireTimes").EnumerateArray().Select(t => t.GetString()));
        var preview = await gateway.Client.GetStringAsync("/api/digests/preview?subscriber=lecteur@exemple.fr");
        Assert.Contains("Les indiscrétions de novembre", preview);
        Assert.DoesNotContain("Baromètre", preview);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/api/digests/preview?subscriber=inconnu@exemple.fr")).StatusCode);

        var test = await gateway.Client.PostAsync("/api/digests/test", new StringContent("""{"to":"redaction@exemple.fr"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        await server.WaitForMessagesAsync(1);
        var copy = server.Messages.Single().Message;
        Assert.StartsWith("[TEST] La lettre d’En-Contact n° 1", copy.Subject);
        Assert.Contains("Exemplaire de test", copy.HtmlBody);
        // Not a subscriber: the letter's headers all the same, with links that name no reader.
        Assert.Equal("List-Unsubscribe=One-Click", copy.Headers["List-Unsubscribe-Post"]);
        var oneClick = copy.Headers["List-Unsubscribe"]!.Split(',')[0].Trim('<', '>', ' ');
        Assert.StartsWith(Gateway.PublicUrl + "unsubscribe/", oneClick);
        Assert.Matches(@"<mailto:desinscription\+[a-z2-7]{44}@en-contact\.com\?subject=unsubscribe>", copy.Headers["List-Unsubscribe"]);
        var unsubscribe = await gateway.NewClient(null).PostAsync(new Uri(oneClick).PathAndQuery,
            new StringContent("List-Unsubscribe=One-Click", Encoding.ASCII, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, unsubscribe.StatusCode);
        Assert.Equal(SubscriberStatus.Active, (await gateway.Services.GetRequiredService<SubscriberStore>().FindAsync("lecteur@exemple.fr", None))!.Status);
        Assert.Empty(await Store(gateway).ListAsync(None)); // a test builds no edition
        var bad = await gateway.Client.PostAsync("/api/digests/test", new StringContent("""{"to":"x@exemple.fr\r\nBcc: y@exemple.fr"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
