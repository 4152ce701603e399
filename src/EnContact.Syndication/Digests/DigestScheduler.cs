using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Digests;

/// <summary>
/// Fires the digest on schedule. At each tick (and at start): queue any edition left ready by a
/// crash, and end any edition whose messages have all settled; then find the latest fire time that has passed since the newest edition. Within
/// <see cref="DigestOptions.CatchUpWindow"/> it is built and queued; later it is recorded as skipped,
/// with the reason, and its articles wait for the next edition. Periods missed before that one are
/// only logged. Then it sleeps (on <see cref="TimeProvider"/>) until the next fire time.
/// </summary>
public sealed class DigestScheduler(
    DigestSchedule schedule, DigestStore store, DigestBuilder builder, DigestQueue queue, DigestCompletion completion, DigestLedger ledger, IOptions<DigestOptions> options,
    TimeProvider time, ILogger<DigestScheduler> logger) : BackgroundService
{
    /// <summary>Longest look back for missed fire times (a schedule can't make the scheduler walk years of minutes).</summary>
    private static readonly TimeSpan MaxLookBack = TimeSpan.FromDays(400);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            logger.LogInformation("The digest is disabled (Digest:Enabled)");
            return;
        }
        logger.LogInformation("Digest schedule '{Schedule}' in {Zone}; next editions: {Next}", options.Value.Schedule, schedule.Zone.Id,
            string.Join(", ", schedule.Upcoming(time.GetUtcNow(), 3).Select(t => t.ToString("yyyy-MM-dd HH:mm zzz"))));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The digest tick failed; it runs again at the next fire time or in 10 minutes");
            }
            var now = time.GetUtcNow();
            var wait = schedule.Next(now) is { } next ? next - now : TimeSpan.FromDays(1);
            try
            {
                await Task.Delay(wait < TimeSpan.FromMinutes(10) ? wait : TimeSpan.FromMinutes(10), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: what is due now is built, skipped or queued. Safe to run from several places at once.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        // An edition approved from the command line was queued by that process: the letter feed learns of it here.
        store.Published.Publish(await store.PublishedCountAsync(cancellationToken));
        foreach (var ready in await store.WithStatusAsync(EditionStatus.Ready, cancellationToken))
            await queue.QueueAsync(ready.Key, cancellationToken);
        await completion.ReconcileAsync(cancellationToken);
        // Editions another gateway process built go into this one's ledger too (see DigestLedger).
        ledger.Remember((await store.ListAsync(cancellationToken)).Select(e => e.Key));

        var now = time.GetUtcNow();
        var window = options.Value.CatchUpWindow;
        var after = await store.LatestFireAtAsync(cancellationToken) ?? now - window - TimeSpan.FromTicks(1);
        if (after < now - MaxLookBack)
            after = now - MaxLookBack;
        if (schedule.LatestDue(after, now) is not { } due)
            return;

        var missed = 0;
        for (var cursor = schedule.Next(after); cursor is { } at && at < due; cursor = schedule.Next(at))
            missed++;
        if (missed > 0)
            logger.LogWarning("{Missed} digest edition(s) between {After:u} and {Due:u} were missed while the gateway was stopped; only the latest is considered", missed, after, due);

        var key = schedule.KeyOf(due);
        var late = now - due;
        if (late > window)
        {
            logger.LogWarning("Edition {Key} was due at {Due:u}; it is {Late} late, past Digest:CatchUpWindow ({Window}): skipped, its articles go into the next edition",
                key, due, late, window);
            await builder.RecordAsync(key, due, EditionStatus.Skipped,
                $"the gateway was not running at {due:u}; it came back {late:g} later, past Digest:CatchUpWindow ({window:g})", cancellationToken);
            return;
        }
        var edition = await builder.BuildAsync(due, cancellationToken);
        if (edition.Status == EditionStatus.Ready)
            await queue.QueueAsync(edition.Key, cancellationToken);
    }
}
