using EnContact.Syndication.Base;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>
/// The adaptive pace in a running gateway (real SQLite or PostgreSQL, real worker, real SMTP server on
/// loopback) whose clock only moves when the test says so: the test advances it a second at a time,
/// waits until the sender is held back again (or has nothing due), and counts what the relay saw in
/// that second; then reads the pace back as 'delivery status' does, from the database.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class SendingPaceTests
{
    private const string Campaign = "digest-2026-48";
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Edition_RelayThrottles_PaceHalvesThenRecovers_EveryReaderGetsOneMessageWithoutUsingAttempts(StorageProvider storage)
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        var settings = DeliveryWorkerTests.Relay(server, connections: 1, retryAttempts: 0);
        settings["Smtp:MessagesPerSecond"] = "8";
        settings["Smtp:RecoveryInterval"] = "00:00:02";
        settings["Delivery:BatchSize"] = "20";
        await using var gateway = await Gateway.CreateAsync(start: true, settings: settings, storage: storage);
        server.Clock = gateway.Clock!;
        var pace = gateway.Services.GetRequiredService<SendingPace>();
        await DeliveryWorkerTests.Outbox(gateway).EnqueueAsync(DeliveryWorkerTests.Body, DeliveryWorkerTests.Subscribers(100), None);

        var steps = new List<(double PaceBefore, int Attempts, double PaceAfter)>();
        await UntilHeldBackAsync(gateway, pace, 0);
        Assert.Equal(8, server.Attempts.Count); // the configured pace, before any throttling
        server.Throttle(times: 3);
        for (var second = 0; second < 60 && !await FinishedAsync(gateway); second++)
            steps.Add(await StepAsync(gateway, server, pace));

        var cut = steps.FindIndex(s => s.PaceAfter < s.PaceBefore);
        Assert.Equal((8.0, 4.0), (steps[cut].PaceBefore, steps[cut].PaceAfter)); // halved once, for three replies in one burst
        Assert.All(steps, s => Assert.InRange(s.Attempts, 0, (int)Math.Max(s.PaceBefore, s.PaceAfter))); // never faster than the pace (a step regained applies at once)
        Assert.Equal(4, steps[cut + 1].Attempts); // slower, not stopped
        Assert.Contains(steps.Skip(cut + 1), s => s.PaceAfter > 4); // recovers, a step per clean interval
        Assert.Equal(8.0, steps.Max(s => s.PaceAfter));
        Assert.Equal(3, server.Attempts.Count(a => a.Throttled));
        await AssertEachReaderOnceWithOneAttemptAsync(gateway, server, DeliveryWorkerTests.Subscribers(100));

        var relay = Assert.Single(pace.Current);
        Assert.Equal((3L, 8.0), (relay.Throttles, relay.Ceiling!.Value));
        Assert.StartsWith("454 4.7.0 Throttling failure", relay.LastThrottle);
        var stored = Assert.Single(await gateway.Services.GetRequiredService<PaceStatusStore>().ListAsync(None));
        Assert.Equal((null, 3L), (stored.Domain, stored.Throttles));
        var lines = DeliveryCommands.PaceLines([stored], gateway.Services.GetRequiredService<PersonalData>()).ToList();
        Assert.StartsWith($"pace smtp 127.0.0.1:{server.Port}: 8 msg/s of 8 since ", lines[0]);
        Assert.Contains("3 throttling replies, the last at ", lines[1]);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Edition_OneDomainThrottled_OnlyThatDomainSlowsDown_OthersGoOnAtTheRelaysPace(StorageProvider storage)
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        var settings = DeliveryWorkerTests.Relay(server, connections: 1, retryAttempts: 0);
        settings["Smtp:MessagesPerSecond"] = "10";
        settings["Smtp:RecoveryInterval"] = "00:01:00";
        await using var gateway = await Gateway.CreateAsync(start: true, settings: settings, storage: storage);
        server.Clock = gateway.Clock!;
        var pace = gateway.Services.GetRequiredService<SendingPace>();
        var readers = DeliveryWorkerTests.Subscribers(60).Select((r, i) => i % 2 == 0 ? r : new OutboxRequest
        {
            Campaign = r.Campaign, Kind = r.Kind, RecipientAddress = r.RecipientAddress.Replace("@exemple.fr", "@orange.fr"), RecipientName = r.RecipientName,
            UnsubscribeUrl = r.UnsubscribeUrl, Variables = r.Variables,
        }).ToArray();
        await DeliveryWorkerTests.Outbox(gateway).EnqueueAsync(DeliveryWorkerTests.Body, readers, None);

        await UntilHeldBackAsync(gateway, pace, 0);
        server.Throttle(times: 2, domain: "orange.fr", code: 450, reply: "4.7.1 orange.fr: too many messages, slow down");
        var steps = new List<(int Orange, int Others)>();
        for (var second = 0; second < 60 && !await FinishedAsync(gateway); second++)
        {
            var seen = server.Attempts.Count;
            await StepAsync(gateway, server, pace);
            var attempts = server.Attempts.Skip(seen).ToList();
            steps.Add((attempts.Count(a => a.Address.EndsWith("@orange.fr")), attempts.Count(a => !a.Address.EndsWith("@orange.fr"))));
        }

        var relay = pace.Current.Single(p => p.Domain is null);
        var orange = pace.Current.Single(p => p.Domain == "orange.fr");
        Assert.Equal((10.0, 0L), (relay.MessagesPerSecond!.Value, relay.Throttles)); // the relay's pace untouched
        Assert.Equal((5.0, 2.5), (orange.Ceiling!.Value, orange.MessagesPerSecond!.Value)); // half the 5 a second it went at
        Assert.StartsWith("450 4.7.1 orange.fr: too many messages", orange.LastThrottle);
        // The other domain kept the relay's whole pace (less orange.fr's share) until it was done; orange.fr went on at its own.
        var othersDone = steps.FindIndex(s => s.Others < 10 - s.Orange);
        Assert.Equal(30 - 5, steps.Take(othersDone + 1).Sum(s => s.Others));
        Assert.All(steps.Take(othersDone), s => Assert.Equal(10, s.Orange + s.Others));
        Assert.All(steps.Skip(1), s => Assert.InRange(s.Orange, 0, 3)); // 2.5 a second: three, then two
        Assert.True(steps.Count > 8, $"orange.fr should have taken its time, took {steps.Count} s");
        await AssertEachReaderOnceWithOneAttemptAsync(gateway, server, readers);
        var stored = (await gateway.Services.GetRequiredService<PaceStatusStore>().ListAsync(None)).Single(p => p.Domain == "orange.fr");
        Assert.Equal(2L, stored.Throttles);
        Assert.Contains("  domain orange.fr: 2.5 msg/s of 5 (throttled, recovering) since ",
            DeliveryCommands.PaceLines([stored], gateway.Services.GetRequiredService<PersonalData>()).First());
    }

    [Fact]
    public async Task DomainLimits_WrongValues_FailAtStartNamingEachKey()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Delivery:DomainLimits:orange.fr:MessagesPerSecond"] = "-1",
            ["Delivery:DomainLimits:gmail:MaxConcurrent"] = "1",
            ["Delivery:DomainLimits:free.fr:MaxConcurrent"] = "0",
        }));

        Assert.Contains("Delivery:DomainLimits:orange.fr:MessagesPerSecond: must be between 0 and 100000", failure.Message);
        Assert.Contains("Delivery:DomainLimits:gmail: 'gmail' is not a domain name", failure.Message);
        Assert.Contains("Delivery:DomainLimits:free.fr: sets neither MessagesPerSecond nor MaxConcurrent", failure.Message);
    }

    [Fact]
    public async Task DomainLimits_MisspelledOrMistypedKey_FailsAtStartNamingIt()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Delivery:DomainLimits:free.fr:MaxConcurent"] = "2",
            ["Delivery:DomainLimits:orange.fr:MessagesPerSecond"] = "vite",
        }));

        Assert.Contains("Delivery:DomainLimits:free.fr:MaxConcurent: is not a setting of Delivery:DomainLimits:free.fr (did you mean MaxConcurrent?)", failure.Message);
        Assert.Contains("Delivery:DomainLimits:orange.fr:MessagesPerSecond: 'vite' is not a number", failure.Message);
    }

    [Fact]
    public async Task DomainLimits_Configured_GiveTheDomainItsPaceAndCap()
    {
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["Delivery:DomainLimits:Orange.fr:MessagesPerSecond"] = "2",
            ["Delivery:DomainLimits:Orange.fr:MaxConcurrent"] = "1",
        });
        var pace = gateway.Services.GetRequiredService<SendingPace>();

        var orange = pace.Current.Single(p => p.Domain == "orange.fr");
        Assert.Equal((2.0, 2.0, 1), (orange.MessagesPerSecond!.Value, orange.Ceiling!.Value, orange.MaxConcurrent));
        Assert.Null(pace.TryStart("orange.fr"));
        Assert.NotNull(pace.TryStart("orange.fr")); // one at once
        pace.Finished("orange.fr");
        Assert.Null(pace.TryStart("orange.fr")); // the second of the second's two turns
        pace.Finished("orange.fr");
        Assert.NotNull(pace.TryStart("orange.fr")); // a third would be faster than the pace
        Assert.Null(pace.TryStart("exemple.fr"));
    }

    /// <summary>Advances the clock a second, waits until the sender is held back again or has nothing due, and says what the relay saw.</summary>
    private static async Task<(double PaceBefore, int Attempts, double PaceAfter)> StepAsync(Gateway gateway, TestSmtpServer server, SendingPace pace)
    {
        var before = RelayPace(pace);
        var seen = server.Attempts.Count;
        var waits = pace.Waits.Version;
        gateway.Clock!.Advance(TimeSpan.FromSeconds(1));
        // An idle worker may have armed its wake-up before this second began: the outbox's own signal wakes it, as queuing would.
        gateway.Services.GetRequiredService<OutboxSignal>().Notify();
        await UntilHeldBackAsync(gateway, pace, waits);
        return (before, server.Attempts.Count - seen, RelayPace(pace));
    }

    private static double RelayPace(SendingPace pace) => pace.Current.Single(p => p.Domain is null).MessagesPerSecond!.Value;

    /// <summary>A send waits for its turn at the relay's pace, or no message is due or being sent (all wait in the outbox for their time).</summary>
    private static async Task UntilHeldBackAsync(Gateway gateway, SendingPace pace, long waitsSeen)
    {
        var outbox = gateway.Services.GetRequiredService<OutboxStore>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var changes = outbox.Changes.Version;
            if (pace.Waits.Version > waitsSeen)
                return;
            var progress = (await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(Campaign, None)).Single();
            if (progress.Waiting.DueNow == 0 && progress.Waiting.Claimed == 0)
                return;
            await Task.WhenAny(outbox.Changes.WaitForChangeAsync(changes, limit.Token), pace.Waits.WaitForChangeAsync(waitsSeen, limit.Token));
            limit.Token.ThrowIfCancellationRequested();
        }
    }

    private static async Task<bool> FinishedAsync(Gateway gateway)
    {
        var progress = (await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(Campaign, None)).Single();
        return progress.Pending + progress.Sending == 0;
    }

    private static async Task AssertEachReaderOnceWithOneAttemptAsync(Gateway gateway, TestSmtpServer server, OutboxRequest[] readers)
    {
        Assert.Equal(readers.Select(r => r.RecipientAddress).Order(), server.Messages.Select(m => m.To.Single()).Order());
        foreach (var reader in readers)
        {
            var row = await DeliveryWorkerTests.Outbox(gateway).GetAsync(OutboxStore.KeyOf(Campaign, reader.RecipientAddress), None);
            Assert.Equal((OutboxStatus.Sent, 1), (row!.Value.Status, row.Value.Attempts));
        }
    }
}
