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
        var settings = TwoGateways.EveryMinute();
        settings["Delivery:LeaseDuration"] = "00:05:00"; // the default: no claim may expire while its batch is sent
        await using var gateways = await TwoGateways.StartAsync(output, settings, smtpConnections: SmtpConnections);

        var clock = Stopwatch.StartNew();
        await TwoGateways.ImportReadersAsync(gateways.B, readers);
        await TwoGateways.SaveArticleAsync(gateways.A, "barometre-relation-client-2026", "Baromètre de la relation client 2026", DateTimeOffset.UtcNow.AddHours(-1));
        output.WriteLine($"{readers} readers imported through B's API, article saved through A's: {clock.Elapsed}");
        var key = await gateways.WaitForEditionAsync(1);
        output.WriteLine($"edition {key} built: {clock.Elapsed}");
        var sending = Stopwatch.StartNew();
        await gateways.WaitForMessagesAsync(readers);
        await gateways.WaitForEditionSentAsync(key, readers, TimeSpan.FromSeconds(60));
        output.WriteLine($"{readers} messages accepted by the SMTP server in {sending.Elapsed}; {gateways.Smtp.SessionCount} SMTP session(s)");

        var received = gateways.MessagesPerRecipient();
        Assert.Equal(readers, gateways.Smtp.Messages.Count);
        Assert.Equal(readers, received.Count);
        Assert.All(Enumerable.Range(1, readers), i => Assert.Equal(1, received.GetValueOrDefault(TwoGateways.Reader(i))));
        Assert.All(gateways.Smtp.Messages, m => Assert.StartsWith("La lettre d’En-Contact n° 1 — ", m.Message.Subject));
        var sentBy = new Dictionary<string, long>();
        foreach (var gateway in gateways.Both)
            sentBy[gateway.Name] = await gateways.CountAsync("SELECT count(*) FROM outbox WHERE status = 'sent' AND leased_by LIKE @owner", ("@owner", gateway.OwnerPattern));
        output.WriteLine($"sent by A: {sentBy["A"]}, by B: {sentBy["B"]}");
        Assert.Equal(readers, sentBy["A"] + sentBy["B"]);
        Assert.All(sentBy, share => Assert.True(share.Value > 0, $"gateway {share.Key} sent nothing"));
    }

    /// <summary>
    /// The bound on duplicates: a message goes out twice only if the relay accepted it and its sender
    /// died before recording it as sent. Each of the killed gateway's <c>Smtp:Connections</c> lanes
    /// has at most one message between those two moments; the rest of its claimed batch was either
    /// recorded as sent or never handed to the relay, and the survivor sends it once.
    /// </summary>
    [Fact]
    public async Task Edition_OneGatewayKilledMidSend_TheOtherSendsItsExpiredClaimsAndNobodyIsMissed()
    {
        const int readers = 5_000; // one queuing page: the edition is fully queued before anything is sent
        var settings = TwoGateways.EveryMinute();
        settings["Delivery:LeaseDuration"] = "00:00:05"; // a dead gateway's claims come back after this
        await using var gateways = await TwoGateways.StartAsync(output, settings, smtpConnections: SmtpConnections, prepare: async g =>
        {
            var csv = Path.Combine(Path.GetTempPath(), $"lecteurs-{Guid.NewGuid():N}.csv");
            await File.WriteAllTextAsync(csv, TwoGateways.ReadersCsv(readers));
            try
            {
                var (code, report, error) = await g.RunVerbAsync("subscribers", "import", csv, "--source", "salon CRM 2025");
                Assert.True(code == 0, error);
                Assert.Contains($"{readers} created", report);
            }
            finally
            {
                File.Delete(csv);
            }
        });

        await TwoGateways.SaveArticleAsync(gateways.B, "barometre-relation-client-2026", "Baromètre de la relation client 2026", DateTimeOffset.UtcNow.AddHours(-1));
        var key = await gateways.WaitForEditionAsync(1);
        await gateways.WaitForMessagesAsync(readers / 4);
        // The one to kill holds claims now (a gateway between two batches would leave nothing to take over).
        var victim = await TwoGateways.WaitForAsync("a gateway holding claims", TimeSpan.FromSeconds(30), async () =>
        {
            foreach (var gateway in gateways.Both)
                if (await gateways.CountAsync("SELECT count(*) FROM outbox WHERE status = 'sending' AND leased_by LIKE @owner", ("@owner", gateway.OwnerPattern)) > 0)
                    return gateway;
            return null;
        });
        var survivor = victim == gateways.A ? gateways.B : gateways.A;
        await victim.Process.KillAsync();
        var receivedAtKill = gateways.Smtp.Messages.Count;
        var orphaned = (await gateways.QueryAsync("SELECT message_key FROM outbox WHERE status = 'sending' AND leased_by LIKE @owner", ("@owner", victim.OwnerPattern)))
            .Select(row => (string)row[0]!).ToList();
        output.WriteLine($"killed {victim.Name} after {receivedAtKill} of {readers} messages; it held {orphaned.Count} claim(s)");

        await gateways.WaitForMessagesAsync(readers);
        await gateways.WaitForEditionSentAsync(key, readers, TimeSpan.FromSeconds(90));

        Assert.InRange(receivedAtKill, 1, readers - 1);
        Assert.NotEmpty(orphaned);
        var received = gateways.MessagesPerRecipient();
        Assert.All(Enumerable.Range(1, readers), i => Assert.InRange(received.GetValueOrDefault(TwoGateways.Reader(i)), 1, 2));
        var duplicates = received.Values.Sum(count => count - 1);
        output.WriteLine($"duplicates: {duplicates} (bound: the killed gateway's {SmtpConnections} SMTP connections)");
        Assert.InRange(duplicates, 0, SmtpConnections);
        Assert.Equal(readers, received.Count);
        // What the dead gateway held was sent by the survivor, once its lease ran out.
        foreach (var messageKey in orphaned)
        {
            var row = (await gateways.QueryAsync("SELECT status, leased_by, attempts FROM outbox WHERE message_key = @key", ("@key", messageKey))).Single();
            Assert.Equal("sent", row[0]);
            Assert.Contains($"/{survivor.Process.ProcessId}/", (string)row[1]!);
            Assert.Equal(2, Convert.ToInt32(row[2]));
        }
    }
}
