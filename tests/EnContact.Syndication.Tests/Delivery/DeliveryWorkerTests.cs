using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Tests.Fixtures;
using MimeKit;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>
/// The whole delivery engine in a running gateway (real SQLite file, real worker) against a real SMTP
/// server on 127.0.0.1. Real time with millisecond delays; every wait is on a signal (messages received,
/// outbox state), bounded so a broken test fails instead of hanging.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class DeliveryWorkerTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    internal static readonly MessageBody Body = new("La lettre n° 48 : l’IA > le script", "Bonjour,\n{{unsubscribe_url}}", "<p>Bonjour,</p><p><a href=\"{{unsubscribe_url}}\">Se désinscrire</a></p>");

    internal static Dictionary<string, string?> Relay(TestSmtpServer server, int connections = 2, int retryAttempts = 3) =>
        server.GatewaySettings(connections, retryAttempts);

    internal static OutboxRequest[] Subscribers(int count, string campaign = "digest-2026-48") =>
        Enumerable.Range(1, count).Select(i => new OutboxRequest
        {
            Campaign = campaign,
            Kind = MailKind.Bulk,
            RecipientAddress = $"lecteur{i}@exemple.fr",
            RecipientName = $"Lecteur {i}",
            UnsubscribeUrl = $"https://lettre.en-contact.com/desinscription?t=token{i}",
            Variables = new Dictionary<string, string> { ["unsubscribe_url"] = $"https://lettre.en-contact.com/desinscription?t=token{i}" },
        }).ToArray();

    internal static OutboxStore Outbox(Gateway gateway) => gateway.Services.GetRequiredService<OutboxStore>();

    internal static Task<CampaignProgress> WaitUntilSettledAsync(Gateway gateway, string campaign) =>
        gateway.WaitForCampaignAsync(campaign, p => p.Pending + p.Sending == 0);

    [Fact]
    public async Task Progress_NotCountedAfterEveryBatch_ButTheFinalLineComesWhenTheOutboxRunsDry()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        var logs = new LogCapture();
        var settings = Relay(server);
        settings["Delivery:BatchSize"] = "2";
        settings["Logging:LogLevel:EnContact.Syndication.Delivery"] = "Information";
        // The fake clock does not move: after the first review, only the outbox running dry brings another.
        await using var gateway = await Gateway.CreateAsync(start: true, settings: settings, logs: logs);
        await Outbox(gateway).EnqueueAsync(Body, Subscribers(7), None);

        await server.WaitForMessagesAsync(7);
        var final = await logs.WaitForAsync(l => l.Contains("Edition digest-2026-48: 7/7 sent"));

        Assert.Contains("0 pending", final);
        Assert.Equal(2, logs.Lines.Count(l => l.Contains("Edition digest-2026-48:"))); // the first batch's review and the final one, not one per batch
    }

    [Fact]
    public async Task Edition_ManyMessagesFewConnections_EachDeliveredOnceWithListHeaders()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: Relay(server, connections: 2));

        var queued = await Outbox(gateway).EnqueueAsync(Body, Subscribers(40), None);
        await server.WaitForMessagesAsync(40);
        var progress = await WaitUntilSettledAsync(gateway, "digest-2026-48");

        Assert.Equal(40, queued);
        Assert.Equal(40L, progress.Sent);
        Assert.Equal(40, server.Messages.Select(m => m.To.Single()).Distinct().Count());
        Assert.InRange(server.SessionCount, 1, 2);
        var message = server.Messages.Single(m => m.To.Single() == "lecteur7@exemple.fr").Message;
        Assert.Equal("<https://lettre.en-contact.com/desinscription?t=token7>", message.Headers["List-Unsubscribe"]); // no reader's token queued: no mailto
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Equal(OutboxStore.MessageIdOf(OutboxStore.KeyOf("digest-2026-48", "lecteur7@exemple.fr"), "en-contact.com"), message.MessageId);
        Assert.Contains("https://lettre.en-contact.com/desinscription?t=token7", message.HtmlBody);
        var stored = await Outbox(gateway).GetAsync(OutboxStore.KeyOf("digest-2026-48", "lecteur7@exemple.fr"), None);
        Assert.Equal(OutboxStatus.Sent, stored!.Value.Status);
        Assert.StartsWith("2", stored.Value.Reply); // the relay's 2xx acceptance
    }

    [Fact]
    public async Task TemporaryRejection_IsRetriedAndDelivered_PermanentOneIsSuppressedNotRetried()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        server.RejectRecipient("lecteur2@exemple.fr", 451, times: 2);
        server.RejectRecipient("lecteur3@exemple.fr", 550);
        var logs = new LogCapture();
        var settings = Relay(server, retryAttempts: 0);
        settings["Logging:LogLevel:EnContact.Syndication.Delivery"] = "Debug";
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: settings, logs: logs);

        await Outbox(gateway).EnqueueAsync(Body, Subscribers(4), None);
        var progress = await WaitUntilSettledAsync(gateway, "digest-2026-48");

        Assert.Equal((3L, 1L), (progress.Sent, progress.Failed));
        Assert.Equal(3, server.RecipientAttempts("lecteur2@exemple.fr")); // two 451s, then accepted
        Assert.Equal(1, server.RecipientAttempts("lecteur3@exemple.fr")); // 550: never retried
        Assert.True(await gateway.Services.GetRequiredService<SuppressionList>().IsSuppressedAsync("lecteur3@exemple.fr", None));
        // The relay's refusal names the address; the log line names only its label.
        Assert.Contains("<lecteur3@exemple.fr>: Recipient address rejected", (await Outbox(gateway).GetAsync(OutboxStore.KeyOf("digest-2026-48", "lecteur3@exemple.fr"), None))!.Value.LastError);
        var refusal = await logs.WaitForAsync(l => l.Contains("refused addr:"));
        Assert.Contains(new EnContact.Syndication.Base.PersonalData(new EnContact.Syndication.Base.PersonalDataKey(Gateway.HashKey)).LogId("lecteur3@exemple.fr"), refusal);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("lecteur3@", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(server.Messages, m => m.To.Single() == "lecteur2@exemple.fr");
        Assert.DoesNotContain(server.Messages, m => m.To.Single() == "lecteur3@exemple.fr");

        // The next edition skips the suppressed address.
        await Outbox(gateway).EnqueueAsync(Body, Subscribers(4, "digest-2026-49"), None);
        var next = await WaitUntilSettledAsync(gateway, "digest-2026-49");
        Assert.Equal((3L, 1L), (next.Sent, next.Suppressed));
        Assert.Equal(1, server.RecipientAttempts("lecteur3@exemple.fr"));
    }

    [Fact]
    public async Task RelayDownAtStart_MessagesWaitAndAreAllDeliveredWhenItComesBack()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        await server.StopAsync();
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: Relay(server, retryAttempts: 1));

        await Outbox(gateway).EnqueueAsync(Body, Subscribers(10), None);
        var waiting = (await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync("digest-2026-48", None)).Single();
        await server.StartAsync();
        await server.WaitForMessagesAsync(10);
        var progress = await WaitUntilSettledAsync(gateway, "digest-2026-48");

        Assert.Equal(0L, waiting.Sent);
        Assert.Equal((10L, 0L), (progress.Sent, progress.Failed));
        Assert.Equal(10, server.Messages.Select(m => m.To.Single()).Distinct().Count());
    }

    [Fact]
    public async Task LongOutage_DoesNotUseUpAttempts_NothingIsLost()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        await server.StopAsync();
        var settings = Relay(server, retryAttempts: 1);
        settings["Delivery:MaxAttempts"] = "2";
        settings["Delivery:RetryDelay"] = "00:00:00.010";
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: settings);
        var outbox = Outbox(gateway);

        await outbox.EnqueueAsync(Body, Subscribers(3), None);
        // Let the worker find the relay down many times over (each try settles the outbox again).
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var start = outbox.Changes.Version;
            while (outbox.Changes.Version < start + 20)
                await outbox.Changes.WaitForChangeAsync(outbox.Changes.Version, limit.Token);
        }
        var during = (await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync("digest-2026-48", None)).Single();
        await server.StartAsync();
        var progress = await WaitUntilSettledAsync(gateway, "digest-2026-48");

        Assert.Equal(0L, during.Failed);
        Assert.Equal((3L, 0L), (progress.Sent, progress.Failed));
    }

    [Fact]
    public async Task ConnectionDroppedMidData_MessageIsDeliveredAfterReconnecting()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        server.DropConnectionDuringData(times: 2);
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: Relay(server, connections: 1));

        await Outbox(gateway).EnqueueAsync(Body, Subscribers(5), None);
        var progress = await WaitUntilSettledAsync(gateway, "digest-2026-48");

        Assert.Equal(5L, progress.Sent);
        Assert.Equal(5, server.Messages.Select(m => m.To.Single()).Distinct().Count());
        Assert.True(server.SessionCount >= 3, $"reconnected after each drop ({server.SessionCount} sessions)");
    }

    [Fact]
    public async Task StopMidRun_NewHostOnSameDatabase_DeliversEveryoneWithBoundedDuplicates()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        using var folder = new TempDirectory();
        const int Recipients = 60;
        var settings = Relay(server, connections: 2);

        await using (var first = await Gateway.CreateAsync(start: true, fakeClock: false, folder: folder, settings: settings))
        {
            server.AnswerSlowly(TimeSpan.FromMilliseconds(200), times: 1000); // keep sends in flight when the host stops
            await Outbox(first).EnqueueAsync(Body, Subscribers(Recipients), None);
            await server.WaitForMessagesAsync(5);
        } // the workers stop mid-run here

        var beforeRestart = server.Messages.Count;
        Assert.InRange(beforeRestart, 5, Recipients - 1);
        server.AnswerSlowly(TimeSpan.Zero, times: 0);

        await using var second = await Gateway.CreateAsync(start: true, fakeClock: false, folder: folder, settings: settings);
        var progress = await WaitUntilSettledAsync(second, "digest-2026-48");

        var perRecipient = server.Messages.GroupBy(m => m.To.Single()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Recipients, perRecipient.Count);            // nobody skipped
        Assert.Equal((long)Recipients, progress.Sent);
        var duplicates = perRecipient.Values.Sum(n => n - 1);
        Assert.InRange(duplicates, 0, 2);                         // at most the in-flight sends (Smtp:Connections)
        Assert.All(server.Messages.GroupBy(m => m.To.Single()), g => Assert.Single(g.Select(m => m.Message.MessageId).Distinct()));
    }

    [Fact]
    public async Task PermanentFailures_OverTheThreshold_PauseTheEditionWithAReason()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        for (var i = 1; i <= 20; i++)
            server.RejectRecipient($"lecteur{i}@exemple.fr", 550);
        var settings = Relay(server, connections: 1);
        settings["Delivery:FailureSampleSize"] = "5";
        settings["Delivery:PauseFailureRatio"] = "0.5";
        settings["Delivery:BatchSize"] = "5";
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: settings);

        await Outbox(gateway).EnqueueAsync(Body, Subscribers(30), None);
        var progress = await gateway.WaitForCampaignAsync("digest-2026-48", p => p.State == CampaignPhase.Paused);

        Assert.Contains("paused automatically", progress.Reason);
        Assert.True(progress.Pending > 0, "the rest of the edition waits for the operator");
        Assert.True(progress.Failed + progress.Sent < 30, "the edition stopped before every message was tried");
        Assert.True(progress.Failed >= progress.Sent, "paused on the failure ratio");
    }

    [Fact]
    public async Task NoRelayConfigured_WritesEmlFilesToThePickupFolder()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false,
            settings: new Dictionary<string, string?> { ["Delivery:PollInterval"] = "00:00:00.050" });

        await Outbox(gateway).EnqueueAsync(Body, Subscribers(3), None);
        var progress = await WaitUntilSettledAsync(gateway, "digest-2026-48");

        var files = Directory.GetFiles(Path.Combine(gateway.Root, "outbox"), "*.eml");
        Assert.Equal(3L, progress.Sent);
        Assert.Equal(3, files.Length);
        var message = await MimeMessage.LoadAsync(files[0]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public async Task Api_ShowsProgress_PausesResumesCancels_AndQueuesATest()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: Relay(server));
        await gateway.Services.GetRequiredService<CampaignControl>().SetStateAsync("digest-2026-48", CampaignState.Paused, "paused by the operator", None);
        await Outbox(gateway).EnqueueAsync(Body, Subscribers(3), None);

        var paused = await gateway.Client.GetFromJsonAsync<JsonObject>("/api/deliveries/digest-2026-48");
        var resumed = await gateway.Client.PostAsync("/api/deliveries/digest-2026-48/resume", null);
        await server.WaitForMessagesAsync(3);
        var unknown = await gateway.Client.PostAsync("/api/deliveries/nope/pause", null);
        var anonymous = await gateway.NewClient(null).GetAsync("/api/deliveries");
        var test = await gateway.Client.PostAsJsonAsync("/api/deliveries/test", new { to = "operateur@en-contact.com" });
        var badTest = await gateway.Client.PostAsJsonAsync("/api/deliveries/test", new { to = "x@y.fr\r\nBcc: z@y.fr" });
        await server.WaitForMessagesAsync(4);

        Assert.Equal(("paused", 3L), ((string)paused!["state"]!, (long)paused["pending"]!));
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badTest.StatusCode);
        Assert.Contains(server.Messages, m => m.To.Single() == "operateur@en-contact.com");
    }
}
