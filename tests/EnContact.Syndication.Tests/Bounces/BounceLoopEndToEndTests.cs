using EnContact.Syndication.Bounces;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Bounces;

/// <summary>
/// The whole loop with real parts: an edition goes out through the loopback SMTP server with VERP
/// envelopes; a delivery report, a complaint and an auto-reply written from the fixtures land in a
/// real Dovecot mailbox; the gateway's own reader and handler act on them; the next edition goes
/// only to the reader who is left.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class BounceLoopEndToEndTests
{
    private const string First = "digest-2026-11-30-0800";
    private const string Second = "digest-2026-12-07-0800";

    [Fact]
    public async Task Mailbox_ReportsDroppedInDovecot_SuppressAndUnsubscribeTheRightReadersAndTheNextEditionSkipsThem()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        await using var bed = await BounceTestBed.StartAsync(extra: dovecot.GatewaySettings());
        var (bounced, complained, away) = (BounceTestBed.Readers[0], BounceTestBed.Readers[1], BounceTestBed.Readers[2]);
        await bed.SendEditionAsync(First);

        await dovecot.AppendAsync(
            bed.Report("postfix-dsn.eml", First, bounced),
            bed.Report("yahoo-arf-complaint.eml", First, complained),
            bed.Report("vacation-auto-reply.eml", First, away));
        var status = await BounceMailboxWorkerTests.WaitForAsync(bed.Gateway, s => s.Handled >= 3);

        Assert.Equal(0, status.MovedToReview);
        Assert.Equal(3, (await dovecot.MessageIdsAsync("Traitements")).Count);
        Assert.Empty(await dovecot.MessageIdsAsync("INBOX"));
        Assert.True(await bed.Suppressions.IsSuppressedAsync(bounced, CancellationToken.None));
        Assert.Equal(SubscriberStatus.Unsubscribed, (await bed.Subscribers.FindAsync(complained, CancellationToken.None))!.Status);
        Assert.False(await bed.Suppressions.IsSuppressedAsync(away, CancellationToken.None));
        Assert.Equal(SubscriberStatus.Active, (await bed.Subscribers.FindAsync(away, CancellationToken.None))!.Status);

        await bed.SendEditionAsync(Second);

        var secondRecipients = bed.Server.Messages.Where(m => m.Message.MessageId!.Length > 0)
            .Where(m => BounceTestBed.Readers.Any(r => m.Message.MessageId == BounceTestBed.MessageIdOf(Second, r)))
            .Select(m => m.To.Single()).ToList();
        Assert.Equal([away], secondRecipients);
    }
}
