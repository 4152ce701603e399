using System.Diagnostics;
using EnContact.Syndication.Tests.Fixtures;
using Xunit.Abstractions;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>
/// One edition sent by two gateway processes on one PostgreSQL database: each claims its own batches
/// (rows another holds are skipped), and the claims of one that dies expire and are sent by the other.
/// Counted at the SMTP server, per recipient.
/// </summary>
[Collection(TwoGatewaysCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TwoGatewaysDeliveryTests(ITestOutputHelper output)
{
    private const int SmtpConnections = 2;

    [Fact]
    public async Task Edition_TenThousandReadersBothGatewaysSending_EachReaderReceivesItExactlyOnce()
    {
        const int readers = 10_000;
        var settings = TwoGateways.EditionDueAtStart();
        settings["Delivery:LeaseDuration"] = "00:05:00"; // the default: no claim may expire while its batch is sent
        var clock = Stopwatch.StartNew();
        await using var gateways = await TwoGateways.StartAsync(output, settings, smtpConnections: SmtpConnections, prepare: async g =>
        {
            await g.ImportArticleAsync("Baromètre de la relation client 2026");
            await g.SeedReadersAsync(readers);
        });
        output.WriteLine($"database prepared and both gateways started: {clock.Elapsed}");

        var key = await gateways.WaitForEditionAsync();
        var sending = Stopwatch.StartNew();
        await gateways.WaitForEditionSentAsync(key);
        output.WriteLine($"edition {key}: {gateways.Smtp.Messages.Count} messages accepted in {sending.Elapsed} after it was built; {gateways.Smtp.SessionCount} SMTP session(s)");

        var received = gateways.MessagesPerRecipient();
        Assert.Equal(readers, received.Count);
        Assert.All(Enumerable.Range(1, readers), i => Assert.Equal(1, received.GetValueOrDefault(TwoGateways.Reader(i))));
        Assert.Equal(readers, gateways.Smtp.Messages.Count);
        Assert.All(gateways.Smtp.Messages, m => Assert.StartsWith("La lettre d’En-Contact n° 1 — ", m.Message.Subject));
        var sentBy = new Dictionary<string, long>();
        foreach (var gateway in gateways.Both)
            sentBy[gateway.Name] = await gateways.CountAsync("SELECT count(*) FROM outbox WHERE status = 'sent' AND leased_by LIKE @owner", ("@owner", gateway.OwnerPattern));
        output.WriteLine($"sent by A: {sentBy["A"]}, by B: {sentBy["B"]}");
        Assert.Equal(readers, sentBy["A"] + sentBy["B"]);
        Assert.All(sentBy, share => Assert.True(share.Value > 0, $"gateway {share.Key} sent nothing: the test did not see two senders"));
    }

    /// <summary>
    /// The bound on duplicates: a message goes out twice only if the relay accepted it and its sender
    /// died before recording it as sent. Each of the killed gateway's <c>Smtp:Connections</c> lanes
    /// has at most one message between those two moments; the rest of its claims were either recorded
    /// as sent or never handed to the relay, and the survivor sends them once. The relay holds one
    /// message of the victim in flight when it is killed, so there is always such a message.
    /// </summary>
    [Fact]
    public async Task Edition_OneGatewayKilledMidSend_TheOtherSendsItsExpiredClaimsAndNobodyIsMissed()
    {
        const int readers = 2_000;
        const int batch = 50;
        var settings = TwoGateways.EditionDueAtStart();
        settings["Delivery:LeaseDuration"] = "00:00:05"; // a dead gateway's claims come back after this
        settings["Delivery:BatchSize"] = batch.ToString(); // a batch is sent well within the lease on a busy machine
        await using var gateways = await TwoGateways.StartAsync(output, settings, smtpConnections: SmtpConnections, prepare: async g =>
        {
            await g.ImportArticleAsync("Baromètre de la relation client 2026");
            await g.SeedReadersAsync(readers);
        });
        var key = await gateways.WaitForEditionAsync();
        await gateways.Smtp.WaitForMessagesAsync(readers / 5);

        // The relay keeps the next message in flight: whoever sent it is the one to kill.
        var release = new TaskCompletionSource();
        var (arrived, recorded) = gateways.Smtp.HoldNext(release.Task);
        var heldFor = (await arrived).Single();
        var holder = (string)(await gateways.QueryAsync("SELECT leased_by FROM outbox WHERE recipient = @to AND status = 'sending'", ("@to", heldFor))).Single()[0]!;
        var victim = gateways.Both.Single(g => g.Holds(holder));
        var survivor = gateways.Both.Single(g => g != victim);
        await victim.Process.KillAsync();
        var receivedAtKill = gateways.Smtp.Messages.Count;
        release.SetResult(); // the relay accepts it now: the dead gateway never learns
        await recorded;
        var orphaned = (await gateways.QueryAsync("SELECT message_key FROM outbox WHERE status = 'sending' AND leased_by LIKE @owner", ("@owner", victim.OwnerPattern)))
            .Select(row => (string)row[0]!).ToList();
        output.WriteLine($"killed {victim.Name} after {receivedAtKill} of {readers} messages, with {heldFor} in flight; it held {orphaned.Count} claim(s)");

        await gateways.WaitForEditionSentAsync(key);

        Assert.InRange(orphaned.Count, 1, batch);
        Assert.Contains(orphaned, k => k.EndsWith("|" + heldFor, StringComparison.Ordinal));
        var received = gateways.MessagesPerRecipient();
        Assert.Equal(readers, received.Count);
        Assert.All(Enumerable.Range(1, readers), i => Assert.InRange(received.GetValueOrDefault(TwoGateways.Reader(i)), 1, 2));
        var duplicates = received.Values.Sum(count => count - 1);
        output.WriteLine($"duplicates: {duplicates} (bound: the killed gateway's {SmtpConnections} SMTP connections, and its {orphaned.Count} claims)");
        Assert.Equal(2, received[heldFor]);
        Assert.InRange(duplicates, 1, Math.Min(SmtpConnections, orphaned.Count));
        // What the dead gateway held was sent by the survivor once its lease ran out, each exactly once more.
        foreach (var messageKey in orphaned)
        {
            var row = (await gateways.QueryAsync("SELECT status, leased_by, attempts FROM outbox WHERE message_key = @key", ("@key", messageKey))).Single();
            Assert.Equal("sent", row[0]);
            Assert.True(survivor.Holds((string?)row[1]), $"{messageKey} was sent by {row[1]}, not by the survivor (pid {survivor.Process.ProcessId})");
            Assert.Equal(2, Convert.ToInt32(row[2]));
        }
    }
}
