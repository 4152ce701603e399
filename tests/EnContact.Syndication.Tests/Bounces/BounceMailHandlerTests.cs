using EnContact.Syndication.Bounces;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using MimeKit;

namespace EnContact.Syndication.Tests.Bounces;

/// <summary>
/// What comes back to the bounce mailbox, end to end: an edition really sent through the SMTP server
/// with the return path's tokens, then a report in a real-world format about one of its messages,
/// and the state of the database after it — for that reader and for the others.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class BounceMailHandlerTests
{
    private const string Edition = "digest-2026-48";
    private const string Reader = "marie@exemple.fr";
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task HandleAsync_PostfixUnknownMailbox_MarksTheMessageBouncedSuppressesAndRecordsOnce(StorageProvider storage)
    {
        await using var bed = await BounceTestBed.StartAsync(storage);
        await bed.SendEditionAsync(Edition);
        var received = bed.Received(Edition, Reader);

        var verdict = await bed.Handler.HandleAsync(bed.Report("postfix-dsn.eml", Edition, Reader), None);
        var again = await bed.Handler.HandleAsync(bed.Report("postfix-dsn.eml", Edition, Reader), None);

        Assert.Matches(@"^rebonds\+[a-z2-7]{39}@lettre\.en-contact\.com$", received.From);
        Assert.Equal("newsletter@en-contact.com", received.Message.From.Mailboxes.Single().Address);
        Assert.True(verdict.Understood, verdict.Summary);
        Assert.True(again.Understood, again.Summary);
        Assert.Contains("already applied", again.Summary);
        var (status, error) = await bed.RowAsync(Edition, Reader);
        Assert.Equal(OutboxStatus.Failed, status);
        Assert.Contains("5.1.1", error);
        Assert.True(await bed.Suppressions.IsSuppressedAsync(Reader, None));
        var progress = (await bed.Gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(Edition, None)).Single();
        Assert.Equal((2L, 1L), (progress.Sent, progress.Failed));
        Assert.Equal(new Dictionary<string, long> { ["mailbox"] = 1 }, progress.FailedByClass);
        var recorded = Assert.Single(await bed.EventsAsync(Reader));
        Assert.Equal(("dsn", "5.1.1", "mailbox", Edition), (recorded.Kind, recorded.StatusCode, recorded.FailureClass, recorded.Campaign));
        Assert.DoesNotContain(Reader, recorded.Diagnostic); // the record keeps no address
        await bed.AssertOthersUntouchedAsync(Reader, Edition);
    }

    [Fact]
    public async Task HandleAsync_GmailMailboxFull_KeepsTheAddressUntilTheSoftBounceLimit()
    {
        await using var bed = await BounceTestBed.StartAsync(extra: new() { ["Delivery:SoftBounceEditions"] = "2" });
        await bed.SendEditionAsync("digest-2026-48");
        var first = await bed.Handler.HandleAsync(bed.Report("gmail-dsn.eml", "digest-2026-48", Reader), None);
        var afterOne = await bed.Suppressions.IsSuppressedAsync(Reader, None);
        await bed.SendEditionAsync("digest-2026-49");
        var second = await bed.Handler.HandleAsync(bed.Report("gmail-dsn.eml", "digest-2026-49", Reader), None);

        Assert.True(first.Understood && second.Understood, first.Summary + " / " + second.Summary);
        Assert.False(afterOne);
        Assert.True(await bed.Suppressions.IsSuppressedAsync(Reader, None));
        Assert.Equal(OutboxStatus.Failed, (await bed.RowAsync("digest-2026-48", Reader)).Status);
        Assert.All(await bed.EventsAsync(Reader), e => Assert.Equal(("5.2.2", "mailbox-full"), (e.StatusCode, e.FailureClass)));
        Assert.Equal(SubscriberStatus.Active, (await bed.Subscribers.FindAsync(Reader, None))!.Status); // a bounce suppresses, it does not unsubscribe
        await bed.AssertOthersUntouchedAsync(Reader, "digest-2026-48", "digest-2026-49");
    }

    [Theory]
    [InlineData("exim-dsn.eml", "5.1.1")]           // to the bare return path: matched by the enclosed Message-ID; 5.0.0 made precise by its diagnostic
    [InlineData("exim-text-bounce.eml", "5.2.1")]   // Exim's classic text bounce
    [InlineData("microsoft365-ndr.eml", "5.1.10")]  // Exchange's NDR, matched by the token
    public async Task HandleAsync_UnknownOrDisabledMailboxInEachFormat_SuppressesTheReaderOnly(string fixture, string code)
    {
        await using var bed = await BounceTestBed.StartAsync();
        await bed.SendEditionAsync(Edition);

        var verdict = await bed.Handler.HandleAsync(bed.Report(fixture, Edition, Reader), None);

        Assert.True(verdict.Understood, verdict.Summary);
        Assert.True(await bed.Suppressions.IsSuppressedAsync(Reader, None));
        Assert.Equal(OutboxStatus.Failed, (await bed.RowAsync(Edition, Reader)).Status);
        Assert.Equal((code, "mailbox"), (await bed.EventsAsync(Reader)).Select(e => (e.StatusCode, e.FailureClass)).Single());
        await bed.AssertOthersUntouchedAsync(Reader, Edition);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task HandleAsync_YahooAbuseComplaint_UnsubscribesAndSuppressesAtOnce(StorageProvider storage)
    {
        await using var bed = await BounceTestBed.StartAsync(storage);
        await bed.SendEditionAsync(Edition);

        var verdict = await bed.Handler.HandleAsync(bed.Report("yahoo-arf-complaint.eml", Edition, Reader), None);

        Assert.True(verdict.Understood, verdict.Summary);
        var subscriber = (await bed.Subscribers.FindAsync(Reader, None))!;
        Assert.Equal(SubscriberStatus.Unsubscribed, subscriber.Status);
        Assert.StartsWith("complaint", subscriber.Suppression);
        Assert.Equal(OutboxStatus.Sent, (await bed.RowAsync(Edition, Reader)).Status); // it was delivered: the reader complained about it
        Assert.Equal("complaint", (await bed.EventsAsync(Reader)).Single().Kind);
        await bed.AssertOthersUntouchedAsync(Reader, Edition);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task HandleAsync_MailToTheTokenedUnsubscribeAddress_UnsubscribesThatReaderOnly(StorageProvider storage)
    {
        await using var bed = await BounceTestBed.StartAsync(storage);
        await bed.SendEditionAsync(Edition);
        var listUnsubscribe = bed.Received(Edition, Reader).Message.Headers["List-Unsubscribe"]!;

        var verdict = await bed.Handler.HandleAsync(bed.Report("mailed-unsubscribe.eml", Edition, Reader), None);

        Assert.Matches(@"<mailto:desabonnement\+[a-z2-7]{44}@lettre\.en-contact\.com\?subject=unsubscribe>", listUnsubscribe);
        Assert.DoesNotContain(Reader.Replace("@", "%40"), listUnsubscribe);
        Assert.True(verdict.Understood, verdict.Summary);
        var subscriber = (await bed.Subscribers.FindAsync(Reader, None))!;
        Assert.Equal((SubscriberStatus.Unsubscribed, "unsubscribed (mail)"), (subscriber.Status, subscriber.Suppression));
        await bed.AssertOthersUntouchedAsync(Reader, Edition);
    }

    [Fact]
    public async Task HandleAsync_UnsubscribeMailWithAnAlteredToken_UnsubscribesNobody()
    {
        await using var bed = await BounceTestBed.StartAsync();
        await bed.SendEditionAsync(Edition);
        var genuine = bed.Report("mailed-unsubscribe.eml", Edition, Reader).To.Mailboxes.Single().Address;
        var token = TaggedAddress.TagOf(genuine, BounceTestBed.UnsubscribeMailbox)!;
        var altered = TaggedAddress.With(BounceTestBed.UnsubscribeMailbox, (token[0] == 'a' ? "b" : "a") + token[1..]);

        var verdict = await bed.Handler.HandleAsync(BounceTestBed.Fixture("mailed-unsubscribe.eml", "", "", Reader, altered), None);

        Assert.False(verdict.Understood);
        Assert.Contains("not signed by us", verdict.Summary);
        Assert.Equal(SubscriberStatus.Active, (await bed.Subscribers.FindAsync(Reader, None))!.Status);
        Assert.False(await bed.Suppressions.IsSuppressedAsync(Reader, None));
    }

    [Theory]
    [InlineData("vacation-auto-reply.eml", true)]
    [InlineData("challenge-response.eml", true)]
    [InlineData("malformed-report.eml", false)]
    [InlineData("never-mailed-dsn.eml", false)]
    public async Task HandleAsync_AutoRepliesAndReportsAboutNothingWeSent_ChangeNothing(string fixture, bool understood)
    {
        await using var bed = await BounceTestBed.StartAsync();
        await bed.SendEditionAsync(Edition);

        var verdict = await bed.Handler.HandleAsync(bed.Report(fixture, Edition, Reader), None);

        Assert.Equal(understood, verdict.Understood);
        Assert.NotEmpty(verdict.Summary);
        Assert.False(await bed.Suppressions.IsSuppressedAsync("inconnu@exemple.fr", None));
        foreach (var reader in BounceTestBed.Readers)
        {
            Assert.False(await bed.Suppressions.IsSuppressedAsync(reader, None));
            Assert.Equal(OutboxStatus.Sent, (await bed.RowAsync(Edition, reader)).Status);
            Assert.Empty(await bed.EventsAsync(reader));
        }
    }

    [Fact]
    public async Task HandleAsync_ForgedReturnPathToken_ChangesNothingEvenWithAGenuineMessageId()
    {
        await using var bed = await BounceTestBed.StartAsync();
        await bed.SendEditionAsync(Edition);
        var genuine = bed.Received(Edition, Reader).From;
        var token = TaggedAddress.TagOf(genuine, BounceTestBed.ReturnPathAddress)!;
        var forged = TaggedAddress.With(BounceTestBed.ReturnPathAddress, token[..^1] + (token[^1] == 'a' ? 'b' : 'a'));

        var verdict = await bed.Handler.HandleAsync(bed.Report("postfix-dsn.eml", Edition, Reader, envelope: forged), None);

        Assert.False(verdict.Understood);
        Assert.Contains("not signed by us", verdict.Summary);
        Assert.False(await bed.Suppressions.IsSuppressedAsync(Reader, None));
        Assert.Equal(OutboxStatus.Sent, (await bed.RowAsync(Edition, Reader)).Status);
    }

    [Fact]
    public async Task HandleAsync_ReportEnclosingA20MegabyteOriginal_IsAppliedReadingOnlyItsReportParts()
    {
        await using var bed = await BounceTestBed.StartAsync();
        await bed.SendEditionAsync(Edition);
        var report = bed.Report("microsoft365-ndr.eml", Edition, Reader);
        var original = ((MessagePart)((Multipart)report.Body!).Last()).Message!;
        original.Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = "Bonjour," },
            new MimePart("application", "octet-stream") { Content = new MimeContent(new MemoryStream(new byte[20 * 1024 * 1024])), FileName = "bombe.bin" },
        };

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var read = MailReportReader.Read(report);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        var verdict = await bed.Handler.HandleAsync(report, None);

        Assert.Null(read.Problem);
        Assert.InRange(allocated, 0, 1024 * 1024);
        Assert.True(verdict.Understood, verdict.Summary);
        Assert.True(await bed.Suppressions.IsSuppressedAsync(Reader, None));
    }

    [Fact]
    public async Task HandleAsync_DeliveryStatusPartOf20Megabytes_IsLeftForReviewUnread()
    {
        await using var bed = await BounceTestBed.StartAsync();
        await bed.SendEditionAsync(Edition);
        var report = bed.Report("postfix-dsn.eml", Edition, Reader);
        var status = ((Multipart)report.Body!).OfType<MessageDeliveryStatus>().Single();
        var padding = new string('X', 20 * 1024 * 1024);
        status.Content = new MimeContent(new MemoryStream(System.Text.Encoding.ASCII.GetBytes($"Reporting-MTA: dns; mx\r\nX-Padding: {padding}\r\n\r\nFinal-Recipient: rfc822; {Reader}\r\nAction: failed\r\nStatus: 5.1.1\r\n")));

        var verdict = await bed.Handler.HandleAsync(report, None);

        Assert.False(verdict.Understood);
        Assert.Contains("over 64 KB", verdict.Summary);
        Assert.False(await bed.Suppressions.IsSuppressedAsync(Reader, None));
        Assert.Equal(OutboxStatus.Sent, (await bed.RowAsync(Edition, Reader)).Status);
    }
}
