using EnContact.Syndication.Delivery;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>The outbox on each storage (a real SQLite file, a real PostgreSQL database): idempotent enqueue, claims with leases, priorities, suppression, edition controls.</summary>
public sealed class OutboxStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly MessageBody Body = new("Sujet", "Texte {{x}}", "<p>HTML {{x}}</p>");

    private static OutboxStore Store(Gateway gateway, DeliveryOptions? options = null) =>
        new(gateway.Services.GetRequiredService<Database>(), new OutboxSignal(), Options.Create(options ?? new DeliveryOptions()), gateway.Clock!,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<OutboxStore>.Instance);

    private static CampaignControl Campaigns(Gateway gateway, OutboxStore outbox) =>
        new(gateway.Services.GetRequiredService<Database>(), outbox, gateway.Clock!);

    private static SuppressionList Suppressions(Gateway gateway) => new(gateway.Services.GetRequiredService<Database>(), gateway.Clock!);

    private static OutboxRequest Bulk(string address, string campaign = "digest-48") =>
        new() { Campaign = campaign, Kind = MailKind.Bulk, RecipientAddress = address, UnsubscribeUrl = "https://lettre.en-contact.com/u?t=1" };

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Enqueue_SamePairTwice_IsANoOp(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);

        var first = await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr"), Bulk("b@exemple.fr")], None);
        var second = await outbox.EnqueueAsync(Body, [Bulk("A@EXEMPLE.FR"), Bulk("c@exemple.fr")], None);

        Assert.Equal(2, first);
        Assert.Equal(1, second); // a@exemple.fr again (domain case folded), c is new
        Assert.Equal(3, (await Campaigns(gateway, outbox).ProgressAsync("digest-48", None)).Single().Total);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Enqueue_HeaderInjection_RejectsTheWholeCallAndStoresNothing(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => outbox.EnqueueAsync(Body,
            [Bulk("ok@exemple.fr"), Bulk("x@exemple.fr\r\nBcc: tous@exemple.fr"), Bulk("y@exemple.fr") with { RecipientName = "Nom\nX-Evil: 1" }], None));
        var subject = await Assert.ThrowsAsync<ArgumentException>(() => outbox.EnqueueAsync(Body with { Subject = "Sujet\r\nBcc: x@y.fr" }, [Bulk("ok@exemple.fr")], None));

        Assert.Contains("recipient: contains a control character (CR)", error.Message);
        Assert.Contains("recipient name: contains a control character (LF)", error.Message);
        Assert.Contains("subject: contains a control character (CR)", subject.Message);
        Assert.Empty(await Campaigns(gateway, outbox).ProgressAsync(null, None));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Claim_TransactionalFirst_ThenOldestBulk_AndNeverTwiceWhileLeased(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr"), Bulk("b@exemple.fr")], None);
        gateway.Clock!.Advance(TimeSpan.FromSeconds(1));
        await outbox.EnqueueAsync(Body, [new OutboxRequest { Campaign = "confirm", Kind = MailKind.Transactional, RecipientAddress = "c@exemple.fr" }], None);

        var first = await outbox.ClaimAsync("worker-1", 2, None);
        var second = await outbox.ClaimAsync("worker-2", 10, None);
        var third = await outbox.ClaimAsync("worker-3", 10, None);

        Assert.Equal(["c@exemple.fr", "a@exemple.fr"], first.Select(i => i.Recipient));
        Assert.Equal(["b@exemple.fr"], second.Select(i => i.Recipient));
        Assert.Empty(third);
        Assert.All(first.Concat(second), i => Assert.Equal(1, i.Attempts));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Claim_AfterLeaseExpiry_TakesUpACrashedWorkersMessages(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway, new DeliveryOptions { LeaseDuration = TimeSpan.FromMinutes(5) });
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr")], None);
        Assert.Single(await outbox.ClaimAsync("crashed", 10, None));

        gateway.Clock!.Advance(TimeSpan.FromMinutes(4));
        Assert.Empty(await outbox.ClaimAsync("other", 10, None));
        gateway.Clock.Advance(TimeSpan.FromMinutes(2));
        var retaken = Assert.Single(await outbox.ClaimAsync("other", 10, None));

        Assert.Equal(2, retaken.Attempts);
    }

    /// <summary>
    /// A sender slower than its lease (a throttling relay) learns the outcome of messages another
    /// sender has taken over since: its late word must not put them back in the queue (a third send)
    /// nor settle them under the new holder, whose own outcome is the one recorded.
    /// </summary>
    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Settle_ByASenderWhoseLeaseWasTakenOver_ChangesNothing(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway, new DeliveryOptions { LeaseDuration = TimeSpan.FromMinutes(5) });
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr"), Bulk("b@exemple.fr"), Bulk("c@exemple.fr"), Bulk("d@exemple.fr")], None);
        var slow = (await outbox.ClaimAsync("slow", 10, None)).OrderBy(i => i.Recipient).ToList();
        gateway.Clock!.Advance(TimeSpan.FromMinutes(6));
        var taken = (await outbox.ClaimAsync("other", 10, None)).OrderBy(i => i.Recipient).ToList();
        Assert.Equal(slow.Select(i => i.MessageKey), taken.Select(i => i.MessageKey));

        await outbox.ReleaseAsync(slow[0], TimeSpan.Zero, "interrupted by shutdown", None);
        await outbox.RescheduleAsync(slow[1], "451 4.3.0 try again later", None);
        await outbox.FailAsync(slow[2], "550 5.1.1 user unknown", BounceClass.Mailbox, None);
        await outbox.MarkSentAsync(slow[3], "250 late", None);

        Assert.Empty(await outbox.ClaimAsync("third", 10, None));
        foreach (var item in taken)
            Assert.Equal(OutboxStatus.Sending, (await outbox.GetAsync(item.MessageKey, None))!.Value.Status);
        foreach (var item in taken)
            await outbox.MarkSentAsync(item, "250 2.0.0 Ok", None);
        foreach (var item in taken)
            Assert.Equal((OutboxStatus.Sent, "250 2.0.0 Ok"), (await outbox.GetAsync(item.MessageKey, None)) is { } stored ? (stored.Status, stored.Reply) : default);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task MarkSent_ManySendersAtOnce_EveryAcceptanceIsRecordedWithItsOwnReply_AndOnlyTheHoldersRows(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway, new DeliveryOptions { LeaseDuration = TimeSpan.FromMinutes(5) });
        await outbox.EnqueueAsync(Body, [.. Enumerable.Range(0, 300).Select(i => Bulk($"lecteur{i}@exemple.fr"))], None);
        var claimed = await outbox.ClaimAsync("w", 300, None);
        var forged = claimed[0] with { ClaimedBy = "someone-else" };

        // Thirty lanes' acceptances arrive together; with the forged one in the same transactions.
        var lanes = claimed.Chunk(10).Select(async (chunk, lane) =>
        {
            foreach (var item in chunk)
                await outbox.MarkSentAsync(item == claimed[0] ? forged : item, $"250 2.0.0 queued as {item.Recipient}", None);
        });
        await Task.WhenAll(lanes);

        Assert.Equal(OutboxStatus.Sending, (await outbox.GetAsync(claimed[0].MessageKey, None))!.Value.Status);
        foreach (var item in claimed.Skip(1))
            Assert.Equal((OutboxStatus.Sent, $"250 2.0.0 queued as {item.Recipient}"), (await outbox.GetAsync(item.MessageKey, None)) is { } stored ? (stored.Status, stored.Reply) : default);
        Assert.Equal(300, outbox.SentCommits.Records);
        Assert.InRange(outbox.SentCommits.Writes, 1, 300);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task MarkSent_RecordsReplyAndTheMessageIsNotClaimedAgain(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr")], None);
        var item = Assert.Single(await outbox.ClaimAsync("w", 10, None));

        await outbox.MarkSentAsync(item, "250 2.0.0 Ok: queued as ABC", None);
        gateway.Clock!.Advance(TimeSpan.FromHours(1));

        Assert.Empty(await outbox.ClaimAsync("w", 10, None));
        var stored = await outbox.GetAsync(item.MessageKey, None);
        Assert.Equal(OutboxStatus.Sent, stored!.Value.Status);
        Assert.Equal("250 2.0.0 Ok: queued as ABC", stored.Value.Reply);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Reschedule_BacksOffThenGivesUpAfterMaxAttempts(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway, new DeliveryOptions { RetryDelay = TimeSpan.FromMinutes(1), MaxAttempts = 3 });
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr")], None);

        var item = Assert.Single(await outbox.ClaimAsync("w", 10, None));
        await outbox.RescheduleAsync(item, "451 try later", None);
        Assert.Empty(await outbox.ClaimAsync("w", 10, None));           // waits 1 minute
        gateway.Clock!.Advance(TimeSpan.FromMinutes(1));
        item = Assert.Single(await outbox.ClaimAsync("w", 10, None));
        await outbox.RescheduleAsync(item, "451 try later", None);
        gateway.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await outbox.ClaimAsync("w", 10, None));           // now waits 2 minutes
        gateway.Clock.Advance(TimeSpan.FromMinutes(1));
        item = Assert.Single(await outbox.ClaimAsync("w", 10, None));
        await outbox.RescheduleAsync(item, "451 try later", None);      // third attempt: give up

        var stored = await outbox.GetAsync(item.MessageKey, None);
        Assert.Equal(OutboxStatus.Failed, stored!.Value.Status);
        Assert.Contains("gave up after 3 attempts", stored.Value.LastError);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task HardBounce_SuppressesTheAddressForEveryLaterEdition(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr", "digest-48")], None);
        var item = Assert.Single(await outbox.ClaimAsync("w", 10, None));
        await outbox.FailAsync(item, "550 5.1.1 user unknown", BounceClass.Mailbox, None);
        await Suppressions(gateway).SuppressAsync(item.Recipient, "hard bounce: 550 5.1.1 user unknown", None);

        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr", "digest-49"), Bulk("b@exemple.fr", "digest-49")], None);
        var next = await outbox.ClaimAsync("w", 10, None);

        Assert.Equal(["b@exemple.fr"], next.Select(i => i.Recipient));
        Assert.True(await Suppressions(gateway).IsSuppressedAsync("a@exemple.fr", None));
        var progress = (await Campaigns(gateway, outbox).ProgressAsync("digest-49", None)).Single();
        Assert.Equal(1, progress.Suppressed);

        await Suppressions(gateway).UnsuppressAsync("a@exemple.fr", None);
        Assert.False(await Suppressions(gateway).IsSuppressedAsync("a@exemple.fr", None));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task SuppressedAddress_StillGetsTheConfirmationItAskedFor_ButNoBulkMail(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        await Suppressions(gateway).SuppressAsync("a@exemple.fr", "unsubscribed", None);
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr")], None);
        await outbox.EnqueueAsync(Body, [new OutboxRequest { Campaign = "confirm", Kind = MailKind.Transactional, RecipientAddress = "a@exemple.fr" }], None);

        var claimed = Assert.Single(await outbox.ClaimAsync("w", 10, None));

        Assert.Equal(("confirm", MailKind.Transactional), (claimed.Campaign, claimed.Kind));
        Assert.Equal(1, (await Campaigns(gateway, outbox).ProgressAsync("digest-48", None)).Single().Suppressed);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Claim_ThatOnlySettlesSuppressedMessages_MovesTheChangeSignal(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        await Suppressions(gateway).SuppressAsync("a@exemple.fr", "unsubscribed", None);
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr")], None);
        var seen = outbox.Changes.Version;

        Assert.Empty(await outbox.ClaimAsync("w", 10, None));

        // Whoever waits for the message to settle (progress, a test) hears of it.
        Assert.True(outbox.Changes.WaitForChangeAsync(seen, None).IsCompletedSuccessfully);
        Assert.Equal(1, (await Campaigns(gateway, outbox).ProgressAsync("digest-48", None)).Single().Suppressed);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Claim_SuppressedFirstCandidates_AreSettledAndTheBatchFilledFromLaterRows(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        await outbox.EnqueueAsync(Body, Enumerable.Range(0, 12).Select(i => Bulk($"a{i:00}@exemple.fr")).ToList(), None);
        for (var i = 0; i < 6; i++)
            await Suppressions(gateway).SuppressAsync($"a{i:00}@exemple.fr", "unsubscribed", None);

        var claimed = await outbox.ClaimAsync("w", 4, None);

        Assert.Equal(["a06@exemple.fr", "a07@exemple.fr", "a08@exemple.fr", "a09@exemple.fr"], claimed.Select(i => i.Recipient));
        var progress = (await Campaigns(gateway, outbox).ProgressAsync("digest-48", None)).Single();
        Assert.Equal((6L, 4L, 2L), (progress.Suppressed, progress.Sending, progress.Pending));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Claim_ExpiredLeasesAndPendingRows_TogetherNeverMoreThanTheLimit_EachOnce(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        await outbox.EnqueueAsync(Body, Enumerable.Range(0, 6).Select(i => Bulk($"b{i}@exemple.fr")).ToList(), None);
        var crashed = await outbox.ClaimAsync("crashed-worker", 3, None);
        gateway.Clock!.Advance(new DeliveryOptions().LeaseDuration + TimeSpan.FromSeconds(1));

        var claimed = await outbox.ClaimAsync("w", 4, None);

        Assert.Equal(4, claimed.Count);
        Assert.Equal(4, claimed.Select(i => i.MessageKey).Distinct().Count());
        Assert.All(crashed, expired => Assert.Contains(claimed, i => i.MessageKey == expired.MessageKey)); // the crashed worker's messages first
        Assert.All(claimed.Where(i => crashed.Any(c => c.MessageKey == i.MessageKey)), i => Assert.Equal(2, i.Attempts));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task PauseResumeCancel_ControlWhatIsClaimed(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr"), Bulk("b@exemple.fr")], None);
        await outbox.EnqueueAsync(Body, [new OutboxRequest { Campaign = "confirm", Kind = MailKind.Transactional, RecipientAddress = "c@exemple.fr" }], None);

        await Campaigns(gateway, outbox).SetStateAsync("digest-48", CampaignState.Paused, "paused by the operator", None);
        Assert.Equal(["c@exemple.fr"], (await outbox.ClaimAsync("w", 10, None)).Select(i => i.Recipient));
        Assert.Equal((CampaignPhase.Paused, "paused by the operator"), ((await Campaigns(gateway, outbox).ProgressAsync("digest-48", None)).Single() is var p ? (p.State, p.Reason) : default));

        await Campaigns(gateway, outbox).SetStateAsync("digest-48", CampaignState.Active, null, None);
        var resumed = await outbox.ClaimAsync("w", 1, None);
        Assert.Single(resumed);

        await Campaigns(gateway, outbox).SetStateAsync("digest-48", CampaignState.Cancelled, "cancelled by the operator", None);
        Assert.Empty(await outbox.ClaimAsync("w", 10, None));
        var progress = (await Campaigns(gateway, outbox).ProgressAsync("digest-48", None)).Single();
        Assert.Equal((1L, 1L), (progress.Cancelled, progress.Sending));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Release_PutsTheMessageBackWithoutCountingAnAttempt(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr")], None);
        var item = Assert.Single(await outbox.ClaimAsync("w", 10, None));

        await outbox.ReleaseAsync(item, TimeSpan.Zero, null, None);
        var again = Assert.Single(await outbox.ClaimAsync("w", 10, None));

        Assert.Equal(1, again.Attempts);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Progress_RateOverTheEditionsOwnSendingTime_AndEstimatedFinish(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        await outbox.EnqueueAsync(Body, Enumerable.Range(0, 10).Select(i => Bulk($"r{i}@exemple.fr")).ToArray(), None);
        var claimed = await outbox.ClaimAsync("w", 6, None);
        foreach (var item in claimed.Take(3))
            await outbox.MarkSentAsync(item, "250 ok", None);
        gateway.Clock!.Advance(TimeSpan.FromSeconds(10));
        foreach (var item in claimed.Skip(3))
            await outbox.MarkSentAsync(item, "250 ok", None);
        gateway.Clock.Advance(TimeSpan.FromSeconds(10));

        var progress = (await Campaigns(gateway, outbox).ProgressAsync("digest-48", None)).Single();

        Assert.Equal((10L, 6L, 4L, CampaignPhase.Sending), (progress.Total, progress.Sent, progress.Pending, progress.State));
        Assert.Equal(0.3, progress.MessagesPerSecond); // 6 in the 20 s since its first message went
        Assert.Equal(gateway.Clock.GetUtcNow() + TimeSpan.FromSeconds(4 / 0.3), progress.EstimatedFinish);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Progress_PausedOrFinishedEdition_HasNoEstimatedFinish_AndSaysDone(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        var campaigns = Campaigns(gateway, outbox);
        await outbox.EnqueueAsync(Body, [Bulk("a@exemple.fr"), Bulk("b@exemple.fr")], None);
        var first = (await outbox.ClaimAsync("w", 1, None)).Single();
        gateway.Clock!.Advance(TimeSpan.FromSeconds(5));
        await outbox.MarkSentAsync(first, "250 ok", None);
        gateway.Clock.Advance(TimeSpan.FromSeconds(5));

        await campaigns.SetStateAsync("digest-48", CampaignState.Paused, "paused by the operator", None);
        var paused = (await campaigns.ProgressAsync("digest-48", None)).Single();
        await campaigns.SetStateAsync("digest-48", CampaignState.Active, null, None);
        await outbox.MarkSentAsync((await outbox.ClaimAsync("w", 1, None)).Single(), "250 ok", None);
        var done = (await campaigns.ProgressAsync("digest-48", None)).Single();

        Assert.Equal((CampaignPhase.Paused, (DateTimeOffset?)null), (paused.State, paused.EstimatedFinish));
        Assert.Equal((CampaignPhase.Done, (DateTimeOffset?)null, 2L), (done.State, done.EstimatedFinish, done.Sent));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task SettledMessages_KeepNoPersonalLinks_PendingOnesDo(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var outbox = Store(gateway);
        var withLinks = new Dictionary<string, string> { ["x"] = "https://lettre.en-contact.com/preferences/secret-token" };
        await outbox.EnqueueAsync(Body, new[] { "sent", "failed", "suppressed", "waiting" }.Select(n => Bulk($"{n}@exemple.fr") with { Variables = withLinks }).ToList(), None);
        await Suppressions(gateway).SuppressAsync("suppressed@exemple.fr", "test", None);
        var claimed = (await outbox.ClaimAsync("worker-1", 10, None)).ToDictionary(i => i.Recipient);
        await outbox.EnqueueAsync(Body, [Bulk("cancelled@exemple.fr", campaign: "digest-49") with { Variables = withLinks }], None);

        await outbox.MarkSentAsync(claimed["sent@exemple.fr"], "250 OK", None);
        await outbox.FailAsync(claimed["failed@exemple.fr"], "550 5.7.1 policy", BounceClass.Policy, None);
        await outbox.ReleaseAsync(claimed["waiting@exemple.fr"], TimeSpan.Zero, null, None);
        await Campaigns(gateway, outbox).SetStateAsync("digest-49", CampaignState.Cancelled, "test", None);

        var rows = await RowsAsync(gateway);
        foreach (var settled in new[] { "sent", "failed", "suppressed", "cancelled" })
            Assert.Equal(("{}", (string?)null), rows[$"{settled}@exemple.fr"]);
        Assert.Contains("secret-token", rows["waiting@exemple.fr"].Variables);
        Assert.NotNull(rows["waiting@exemple.fr"].Unsubscribe);
    }

    private static async Task<Dictionary<string, (string Variables, string? Unsubscribe)>> RowsAsync(Gateway gateway)
    {
        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync(None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT recipient, variables_json, unsubscribe_url FROM outbox";
        await using var reader = await command.ExecuteReaderAsync(None);
        var rows = new Dictionary<string, (string, string?)>();
        while (await reader.ReadAsync(None))
            rows[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        return rows;
    }
}
