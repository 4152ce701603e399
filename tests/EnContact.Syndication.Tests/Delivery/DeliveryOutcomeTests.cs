using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Delivery.DeliveryWorkerTests;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>
/// How each message ends, in a running gateway against a real SMTP server: refusals judged by their
/// enhanced status code, a recipient's "later" handed back to the outbox, editions paused after the
/// failure that crosses the threshold, and a restart that does not wait out the claims of the run before.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class DeliveryOutcomeTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static SuppressionList Suppressions(Gateway gateway) => gateway.Services.GetRequiredService<SuppressionList>();

    [Fact]
    public async Task PolicyAndFullMailboxRefusals_FailTheMessage_KeepTheAddress_AndAreCountedByClass()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        server.RejectRecipient("lecteur1@exemple.fr", 550, reply: "5.7.1 Service unavailable; client host blocked using Spamhaus");
        server.RejectRecipient("lecteur2@exemple.fr", 552, reply: "5.2.2 The email account that you tried to reach is over quota");
        server.RejectRecipient("lecteur3@exemple.fr", 550, reply: "5.1.1 The email account that you tried to reach does not exist");
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: Relay(server, retryAttempts: 0));

        await Outbox(gateway).EnqueueAsync(Body, DeliveryWorkerTests.Subscribers(5), None);
        var progress = await WaitUntilSettledAsync(gateway, "digest-2026-48");

        Assert.Equal((2L, 3L), (progress.Sent, progress.Failed));
        Assert.Equal(new Dictionary<string, long> { ["mailbox"] = 1, ["mailbox-full"] = 1, ["policy"] = 1 }, progress.FailedByClass);
        Assert.False(await Suppressions(gateway).IsSuppressedAsync("lecteur1@exemple.fr", None));
        Assert.False(await Suppressions(gateway).IsSuppressedAsync("lecteur2@exemple.fr", None));
        Assert.True(await Suppressions(gateway).IsSuppressedAsync("lecteur3@exemple.fr", None));
        var api = await gateway.Client.GetFromJsonAsync<JsonObject>("/api/deliveries/digest-2026-48");
        Assert.Equal(1, (int)api!["failedByClass"]!["policy"]!);
    }

    [Fact]
    public async Task SoftRefusals_InConsecutiveEditions_SuppressTheAddressAtTheSetLimit()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        server.RejectRecipient("lecteur1@exemple.fr", 552, reply: "5.2.2 mailbox full");
        var settings = Relay(server, retryAttempts: 0);
        settings["Delivery:SoftBounceEditions"] = "2";
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: settings);

        await Outbox(gateway).EnqueueAsync(Body, DeliveryWorkerTests.Subscribers(2, "digest-2026-48"), None);
        await WaitUntilSettledAsync(gateway, "digest-2026-48");
        var afterOne = await Suppressions(gateway).IsSuppressedAsync("lecteur1@exemple.fr", None);
        await Outbox(gateway).EnqueueAsync(Body, DeliveryWorkerTests.Subscribers(2, "digest-2026-49"), None);
        await WaitUntilSettledAsync(gateway, "digest-2026-49");

        Assert.False(afterOne);
        Assert.True(await Suppressions(gateway).IsSuppressedAsync("lecteur1@exemple.fr", None));
        Assert.False(await Suppressions(gateway).IsSuppressedAsync("lecteur2@exemple.fr", None));
    }

    [Fact]
    public async Task SoftRefusal_BrokenByADeliveredEdition_StartsCountingAgain()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        var settings = Relay(server, retryAttempts: 0);
        settings["Delivery:SoftBounceEditions"] = "2";
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: settings);

        foreach (var (edition, refused) in new[] { ("digest-2026-47", true), ("digest-2026-48", false), ("digest-2026-49", true) })
        {
            if (refused)
                server.RejectRecipient("lecteur1@exemple.fr", 550, times: 1, reply: "5.7.1 message refused by policy");
            await Outbox(gateway).EnqueueAsync(Body, DeliveryWorkerTests.Subscribers(1, edition), None);
            await WaitUntilSettledAsync(gateway, edition);
        }

        Assert.False(await Suppressions(gateway).IsSuppressedAsync("lecteur1@exemple.fr", None));
    }

    [Fact]
    public async Task RecipientDeferred_GoesBackToTheOutboxWithItsOwnDelay_NotRetriedInsideTheCall()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        server.RejectRecipient("lecteur1@exemple.fr", 451, times: 1, reply: "4.7.1 greylisted, come back later");
        var settings = Relay(server, connections: 1, retryAttempts: 3);
        settings["Delivery:RetryDelay"] = "01:00:00";
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: settings);

        await Outbox(gateway).EnqueueAsync(Body, DeliveryWorkerTests.Subscribers(3), None);
        var progress = await gateway.WaitForCampaignAsync("digest-2026-48", p => p.Sent == 2 && p.Sending == 0);

        Assert.Equal(1, server.RecipientAttempts("lecteur1@exemple.fr"));
        Assert.Equal((1L, 1L, 0L), (progress.Pending, progress.Waiting.RetryLater, progress.Waiting.DueNow));
        Assert.True(progress.Waiting.NextRetryAt > DateTimeOffset.UtcNow.AddMinutes(50), $"retried at {progress.Waiting.NextRetryAt}");
        Assert.Equal(1, server.SessionCount); // the connection went on to the other messages
        var stored = await Outbox(gateway).GetAsync(OutboxStore.KeyOf("digest-2026-48", "lecteur1@exemple.fr"), None);
        Assert.Equal((OutboxStatus.Pending, 1), (stored!.Value.Status, stored.Value.Attempts));
    }

    [Fact]
    public async Task FailureRatio_IsJudgedAfterEveryFailure_PausingBeforeTheRestOfTheBatch_AndAgainAfterAResume()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        for (var i = 3; i <= 60; i += 3) // every third reader: a third of the edition is refused
            server.RejectRecipient($"lecteur{i}@exemple.fr", 550, reply: "5.7.1 refused by policy");
        var settings = Relay(server, connections: 1, retryAttempts: 0);
        settings["Delivery:FailureSampleSize"] = "10";
        settings["Delivery:PauseFailureRatio"] = "0.2";
        settings["Delivery:BatchSize"] = "200";
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: settings);
        var campaigns = gateway.Services.GetRequiredService<CampaignControl>();

        await Outbox(gateway).EnqueueAsync(Body, [.. DeliveryWorkerTests.Subscribers(60).OrderBy(r => int.Parse(r.RecipientAddress[7..^11]))], None);
        var paused = await gateway.WaitForCampaignAsync("digest-2026-48", p => p.State == CampaignPhase.Paused && p.Sending == 0);

        // The window of 10 is full at the 10th message; the next failure (the 12th reader) crosses 20 %.
        Assert.Equal((8L, 4L, 48L), (paused.Sent, paused.Failed, paused.Pending));
        Assert.Contains("4 of its last 10 messages failed", paused.Reason);

        await campaigns.SetStateAsync("digest-2026-48", CampaignState.Active, null, None);
        var again = await gateway.WaitForCampaignAsync("digest-2026-48", p => p.State == CampaignPhase.Paused && p.Sending == 0 && p.Failed > 4);

        // Resumed while a third still fails: it pauses again at the very next failure (the 15th reader).
        Assert.Equal((10L, 5L, 45L), (again.Sent, again.Failed, again.Pending));
    }

    [Fact]
    public async Task ClaimsLeftByAStoppedSenderOfThisMachine_AreSentAtStart_NotAfterTheirLease()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        using var folder = new TempDirectory();
        await using (var previous = await Gateway.CreateAsync(folder: folder, settings: Relay(server)))
        {
            await Outbox(previous).EnqueueAsync(Body, DeliveryWorkerTests.Subscribers(4), None);
            // A sender that was killed mid-batch (its process is gone), and one alive on another machine.
            await Outbox(previous).ClaimAsync($"{Environment.MachineName}/{int.MaxValue}/crashed", 3, None);
            await Outbox(previous).ClaimAsync("another-host/1234/alive", 1, None);
        }

        // The fake clock never reaches the 5-minute lease: only the release at start can send them.
        await using var gateway = await Gateway.CreateAsync(start: true, folder: folder, settings: Relay(server));
        await server.WaitForMessagesAsync(3);
        var progress = await gateway.WaitForCampaignAsync("digest-2026-48", p => p.Sent == 3);

        Assert.Equal((3L, 1L), (progress.Sent, progress.Sending));
        Assert.Equal((1L, 0L), (progress.Waiting.Claimed, progress.Waiting.ClaimExpired));
        Assert.All(server.Messages, m => Assert.NotEqual("lecteur4@exemple.fr", m.To.Single()));
    }

    [Fact]
    public async Task RelayStatus_IsRecordedForOtherProcesses_WithItsLastReply()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: Relay(server));

        await Outbox(gateway).EnqueueAsync(Body, DeliveryWorkerTests.Subscribers(2), None);
        await WaitUntilSettledAsync(gateway, "digest-2026-48");
        var store = gateway.Services.GetRequiredService<RelayStatusStore>();
        IReadOnlyList<(RelayStatus Status, DateTimeOffset UpdatedAt)> relays;
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (true)
            {
                var seen = store.Changes.Version;
                relays = await store.ListAsync(None);
                if (relays is [{ Status.LastReply: not null }])
                    break;
                await store.Changes.WaitForChangeAsync(seen, limit.Token);
            }
        }

        var (status, _) = Assert.Single(relays);
        Assert.Equal(($"smtp 127.0.0.1:{server.Port}", RelayState.Up), (status.Relay, status.State));
        Assert.StartsWith("250 ", status.LastReply);
        var api = await gateway.Client.GetFromJsonAsync<JsonArray>("/api/deliveries/relay");
        Assert.Equal("up", (string?)api![0]!["state"]);
    }
}
