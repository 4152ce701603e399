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

    [Fact]
    public async Task Mailbox_ReportsThatPiledUpForOneEdition_AreCountedForItsListenersOnceAfterThePassNotOncePerReport()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        var listener = new RecordingCampaignListener();
        await using var bed = await BounceTestBed.StartAsync(extra: dovecot.GatewaySettings(), services: s => s.AddSingleton<ICampaignListener>(listener));
        var reader = bed.Gateway.Services.GetRequiredService<BounceMailboxWorker>();
        await BounceMailboxWorkerTests.WaitForAsync(bed.Gateway, s => s.Waiting == "idle");
        // The reader stops (a gateway being restarted) while the edition goes out and its reports come back.
        await reader.StopAsync(CancellationToken.None);
        await bed.SendEditionAsync(First);
        await dovecot.AppendAsync(
            bed.Report("postfix-dsn.eml", First, BounceTestBed.Readers[0]),
            bed.Report("gmail-dsn.eml", First, BounceTestBed.Readers[1]),
            bed.Report("microsoft365-ndr.eml", First, BounceTestBed.Readers[2]));

        await reader.StartAsync(CancellationToken.None);
        var counted = await listener.WaitForAsync(p => p.Campaign == First && p.Failed == 3);
        await BounceMailboxWorkerTests.WaitForAsync(bed.Gateway, s => s.Handled == 3 && s.Waiting == "idle");

        // Counting an edition reads every one of its messages: once for the pass, not once per report.
        Assert.Single(listener.Calls, p => p.Campaign == First && p.Failed > 0);
        Assert.Equal((0L, 3L), (counted.Sent, counted.Failed));
    }

    /// <summary>Every progress an edition's listeners were told, and a way to wait for one.</summary>
    private sealed class RecordingCampaignListener : ICampaignListener
    {
        private readonly Lock _lock = new();
        private readonly List<CampaignProgress> _calls = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<CampaignProgress> Calls
        {
            get { lock (_lock) return [.. _calls]; }
        }

        public Task CampaignSettledAsync(CampaignProgress progress, CancellationToken cancellationToken)
        {
            TaskCompletionSource changed;
            lock (_lock)
            {
                _calls.Add(progress);
                (changed, _changed) = (_changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
            changed.TrySetResult();
            return Task.CompletedTask;
        }

        public async Task<CampaignProgress> WaitForAsync(Func<CampaignProgress, bool> match)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                Task changed;
                lock (_lock)
                {
                    if (_calls.FirstOrDefault(match) is { } found)
                        return found;
                    changed = _changed.Task;
                }
                await changed.WaitAsync(limit.Token);
            }
        }
    }
}
