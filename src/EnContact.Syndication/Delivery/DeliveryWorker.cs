using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Sends what the outbox holds: claims a batch (transactional first), sends it over as many
/// connections as the sender has, and settles each message by what happened — sent after the
/// relay's acceptance; back to the outbox with its own delay when the relay said "later"; failed
/// when refused for good, the address suppressed when it does not exist (or after soft bounces in
/// several editions in a row). After every settled failure an edition whose recent failure ratio
/// crosses the threshold is paused, and the rest of the batch goes back to the queue. At start, the
/// claims a stopped process of this machine left are released. On shutdown, sends in flight get a
/// short grace period and unstarted ones go straight back to the queue.
/// </summary>
public sealed class DeliveryWorker(
    OutboxStore outbox,
    CampaignControl campaigns,
    SuppressionList suppressions,
    OutboxSignal signal,
    MessageComposer composer,
    ReturnPath returnPath,
    PersonalData personalData,
    IMailSender sender,
    RelayHealth relay,
    RelayStatusStore relayStatus,
    SendingPace pace,
    PaceStatusStore paceStatus,
    IEnumerable<ICampaignListener> listeners,
    IOptions<DeliveryOptions> options,
    IOptions<SmtpOptions> smtp,
    DeliveryMetrics metrics,
    TimeProvider time,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    /// <summary>How long a send already under way may finish after shutdown begins.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);

    /// <summary>How often an edition's progress is counted while it sends (counting 100,000 rows takes ~0.2 s, and sending waits for it).</summary>
    public static readonly TimeSpan ReviewInterval = TimeSpan.FromSeconds(10);

    private readonly string _owner = ClaimOwner.ForThisProcess();
    private readonly Dictionary<string, DateTimeOffset> _lastProgressLog = new(StringComparer.Ordinal);
    // Editions sent since their last review; reviewed again when the outbox runs dry (their final line).
    private readonly HashSet<string> _unreviewed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _settledTold = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FailureWindow> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _paused = new(StringComparer.Ordinal);
    private long _relayVersionSaved = -1;
    private DateTimeOffset _relaySavedAt;
    private long _paceVersionSaved = -1;
    private DateTimeOffset _paceSavedAt;
    // The earliest message put back for the pace (a domain's turn, a throttled relay): the idle wait ends by then.
    private readonly Lock _dueGate = new();
    private DateTimeOffset? _paceDue;

    private int Concurrency => sender is PickupFolderSender ? 2 : smtp.Value.Connections;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Delivery worker sending through {Sender}", sender.Description);
        if (sender is PickupFolderSender)
            relay.Describe(sender.Description);
        await ReleaseOrphanedClaimsAsync(stoppingToken);
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<OutboxItem> batch;
            try
            {
                batch = await outbox.ClaimAsync(_owner, settings.BatchSize, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not claim messages from the outbox; trying again in {Delay}", settings.PollInterval);
                await Task.Delay(settings.PollInterval, time, stoppingToken);
                continue;
            }

            if (batch.Count == 0)
            {
                if (_unreviewed.Count > 0)
                    await ReviewCampaignsAsync([.. _unreviewed], force: true, stoppingToken);
                await SaveRelayStatusAsync(stoppingToken);
            await SavePaceAsync(stoppingToken);
                await signal.WaitAsync(IdleWait(settings.PollInterval), time, stoppingToken);
                continue;
            }

            // Claims skip paused editions: a claimed message of one this worker paused means someone resumed it.
            foreach (var campaign in batch.Select(i => i.Campaign).Distinct(StringComparer.Ordinal))
                _paused.TryRemove(campaign, out _);

            var configurationError = await SendBatchAsync(batch, stoppingToken);
            await ReviewCampaignsAsync(batch.Select(i => i.Campaign).Distinct(StringComparer.Ordinal).ToArray(), force: false, stoppingToken);
            await SaveRelayStatusAsync(stoppingToken);
            await SavePaceAsync(stoppingToken);
            if (configurationError)
                await Task.Delay(TimeSpan.FromMinutes(1), time, stoppingToken); // nothing can go out until the set-up is fixed
        }
    }

    /// <summary>A restart resumes at once: what a stopped process of this machine had claimed goes back to the queue now, not after its lease.</summary>
    private async Task ReleaseOrphanedClaimsAsync(CancellationToken stoppingToken)
    {
        try
        {
            var released = await outbox.ReleaseOrphanedClaimsAsync(_owner, stoppingToken);
            if (released > 0)
                logger.LogInformation("Released {Count} message(s) claimed by a sender of this machine that stopped; they are sent now", released);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not release the claims a stopped sender left; they return when their lease ends");
        }
    }

    /// <summary>Sends a claimed batch; true when a set-up error (authentication) stopped it.</summary>
    private async Task<bool> SendBatchAsync(IReadOnlyList<OutboxItem> batch, CancellationToken stoppingToken)
    {
        // The batch is the unit of an edition's sending a trace can show: its messages' SMTP sends are its children.
        using var activity = DeliveryMetrics.Activities.StartActivity("delivery send batch");
        activity?.SetTag("encontact.delivery.batch.size", batch.Count);
        activity?.SetTag("encontact.delivery.campaigns", string.Join(",", batch.Select(i => i.Campaign).Distinct(StringComparer.Ordinal)));
        using var sending = new CancellationTokenSource();
        using var shutdown = stoppingToken.Register(() => sending.CancelAfter(ShutdownGrace));
        var queue = new ConcurrentQueue<OutboxItem>(batch);
        var stop = false;

        async Task Lane()
        {
            while (queue.TryDequeue(out var item))
            {
                // Shutdown, a set-up error, or an edition paused mid-batch: what has not started goes back, not counted as an attempt.
                if (stoppingToken.IsCancellationRequested || Volatile.Read(ref stop) || _paused.ContainsKey(item.Campaign))
                {
                    await outbox.ReleaseAsync(item, TimeSpan.Zero, null, CancellationToken.None);
                    continue;
                }
                // A domain with a pace of its own waits in the outbox, not in a lane: the other domains keep going.
                var domain = sender is SmtpMailSender ? SmtpFailureClassifier.DomainOf(item.Recipient) : null;
                if (pace.TryStart(domain) is { } wait)
                {
                    await PutBackForPaceAsync(item, wait, null);
                    continue;
                }
                try
                {
                    if (await SendOneAsync(item, sending.Token) == FailureKind.Configuration)
                        Volatile.Write(ref stop, true);
                }
                finally
                {
                    pace.Finished(domain);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(Concurrency, batch.Count)).Select(_ => Lane()));
        return stop;
    }

    /// <summary>
    /// Sends one message and records the outcome; returns the failure kind, or null when sent. The
    /// metric of a settled message is counted before the outbox row moves: whoever sees the row settled sees the count.
    /// </summary>
    private async Task<FailureKind?> SendOneAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        // Outcomes are recorded with CancellationToken.None: a message the relay accepted must be marked sent even during shutdown.
        await WindowAsync(item.Campaign); // read before this message settles, so it is not counted twice
        MimeMessage message;
        try
        {
            message = composer.Compose(item);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not compose the {Campaign} message to {Recipient}", item.Campaign, personalData.LogId(item.Recipient));
            metrics.Settled("failed", item.Kind, FailureClassText.Of(BounceClass.Other));
            await outbox.FailAsync(item, $"could not compose the message: {e.Message}", BounceClass.Other, CancellationToken.None);
            await SettledAsync(item, failed: true);
            return FailureKind.Permanent;
        }

        // MimeKit parts hold pooled buffers: give them back as soon as the message is out.
        using var sent = message;
        try
        {
            var receipt = await sender.SendAsync(message, returnPath.EnvelopeSenderFor(item.MessageId), cancellationToken);
            metrics.Settled("sent", item.Kind, null);
            await outbox.MarkSentAsync(item, receipt.Reply, CancellationToken.None);
            await SettledAsync(item, failed: false);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The grace period ran out mid-send: the relay may have it or not. Queue it again; at worst a
            // duplicate that carries the same Message-ID.
            metrics.Settled("interrupted", item.Kind, null);
            await outbox.ReleaseAsync(item, TimeSpan.Zero, "interrupted by shutdown", CancellationToken.None);
            return FailureKind.Transient;
        }
        catch (Exception e)
        {
            var verdict = SmtpFailureClassifier.Judge(e);
            await SettleFailureAsync(item, e, verdict);
            return verdict.Kind;
        }
    }

    private async Task SettleFailureAsync(OutboxItem item, Exception e, SmtpVerdict verdict)
    {
        var reason = $"{e.GetType().Name}: {e.Message}";
        var logged = personalData.Redact(reason); // a relay's reply often names the recipient
        var who = personalData.LogId(item.Recipient);
        switch (verdict.Kind)
        {
            case FailureKind.Transient or FailureKind.Deferred when SmtpFailureClassifier.ThrottleOf(e, SmtpFailureClassifier.DomainOf(item.Recipient)) is { } throttle:
                // "Slow down" is about the pace, not this message: it comes back at the slower pace without using up an attempt.
                logger.LogDebug("The relay throttles; the {Campaign} message to {Recipient} waits for the slower pace: {Reason}", item.Campaign, who, logged);
                metrics.Settled("throttled", item.Kind, null);
                await PutBackForPaceAsync(item, pace.RetryAfter(throttle), reason);
                break;
            case FailureKind.Transient when SmtpFailureClassifier.IsRelayUnavailable(e):
                // An outage delays mail, never loses it: waiting for the relay does not use up the message's attempts.
                logger.LogDebug("Relay unavailable; the {Campaign} message to {Recipient} waits: {Reason}", item.Campaign, who, logged);
                metrics.Settled("relay-unavailable", item.Kind, null);
                await outbox.ReleaseAsync(item, options.Value.RetryDelay, reason, CancellationToken.None);
                break;
            case FailureKind.Transient or FailureKind.Deferred:
                logger.LogDebug("The {Campaign} message to {Recipient} will be retried later: {Reason}", item.Campaign, who, logged);
                // The outbox gives up after Delivery:MaxAttempts, settling the message as failed ("other").
                var gaveUp = item.Attempts >= options.Value.MaxAttempts;
                metrics.Settled(gaveUp ? "failed" : "deferred", item.Kind, gaveUp ? FailureClassText.Of(BounceClass.Other) : null);
                await outbox.RescheduleAsync(item, reason, CancellationToken.None);
                break;
            case FailureKind.Permanent:
                // The address's fate is recorded before the message settles: whoever sees it settled sees the suppression too.
                var failureClass = FailureClassText.Of(verdict.Class);
                if (verdict.SuppressesAddress)
                {
                    logger.LogWarning("The relay refused {Recipient} for good ({Class}); the address is suppressed: {Reason}", who, failureClass, logged);
                    await suppressions.SuppressAsync(item.Recipient, $"hard bounce: {reason}", CancellationToken.None);
                }
                else
                {
                    logger.LogWarning("The relay refused the {Campaign} message to {Recipient} ({Class}); the address is kept: {Reason}", item.Campaign, who, failureClass, logged);
                    await SuppressAfterSoftBouncesAsync(item, reason, who);
                }
                metrics.Settled("failed", item.Kind, failureClass);
                await outbox.FailAsync(item, reason, verdict.Class, CancellationToken.None);
                await SettledAsync(item, failed: true);
                break;
            default:
                logger.LogError("Mail cannot be sent until the SMTP settings are fixed; messages stay queued: {Reason}", logged);
                metrics.Settled("configuration-error", item.Kind, null);
                await outbox.ReleaseAsync(item, TimeSpan.FromMinutes(1), reason, CancellationToken.None);
                break;
        }
    }

    /// <summary>
    /// A full mailbox or a policy refusal says nothing against the address, unless it happens edition
    /// after edition: this refusal and the editions before it (this message is not settled yet).
    /// </summary>
    private async Task SuppressAfterSoftBouncesAsync(OutboxItem item, string reason, string who)
    {
        if (item.Kind != MailKind.Bulk)
            return;
        var limit = options.Value.SoftBounceEditions;
        if (await suppressions.SuppressAfterSoftBouncesAsync(item.Recipient, limit, unrecorded: 1, reason, CancellationToken.None))
            logger.LogWarning("{Recipient} failed in {Limit} editions in a row; the address is suppressed", who, limit);
    }

    /// <summary>
    /// Adds the outcome to its edition's window and, after a failure, pauses the edition when its
    /// recent failure ratio crosses the threshold: the rest of the batch goes back to the queue.
    /// </summary>
    private async Task SettledAsync(OutboxItem item, bool failed)
    {
        var settings = options.Value;
        var window = await WindowAsync(item.Campaign);
        bool pause;
        int failures, count;
        lock (window)
        {
            window.Add(failed);
            pause = failed && window.Exceeds(settings.PauseFailureRatio) && _paused.TryAdd(item.Campaign, true);
            (failures, count) = (window.Failures, window.Count);
        }
        if (!pause)
            return;
        var reason = $"paused automatically: {failures} of its last {count} messages failed permanently ({100.0 * failures / count:0.#} %, threshold {settings.PauseFailureRatio:P0}); check the relay's replies, then resume";
        await campaigns.SetStateAsync(item.Campaign, CampaignState.Paused, reason, CancellationToken.None);
        logger.LogWarning("Edition {Campaign} {Reason}", item.Campaign, reason);
    }

    /// <summary>An edition's window; the first time, filled from its latest outcomes in the database (a restart, another process).</summary>
    private async Task<FailureWindow> WindowAsync(string campaign)
    {
        if (_windows.TryGetValue(campaign, out var window))
            return window;
        window = new FailureWindow(options.Value.FailureSampleSize);
        foreach (var failed in (await campaigns.RecentOutcomesAsync(campaign, window.Size, CancellationToken.None)).Reverse())
            window.Add(failed);
        return _windows.GetOrAdd(campaign, window);
    }

    /// <summary>Logs progress (at most every 10 s per edition), and tells listeners when an edition's last message settled.</summary>
    private async Task ReviewCampaignsAsync(IReadOnlyList<string> names, bool force, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var campaign in names)
        {
            if (!force && _lastProgressLog.TryGetValue(campaign, out var reviewed) && now - reviewed < ReviewInterval)
            {
                _unreviewed.Add(campaign);
                continue;
            }
            _unreviewed.Remove(campaign);
            var progress = (await campaigns.ProgressAsync(campaign, cancellationToken)).FirstOrDefault();
            if (progress is null)
                continue;
            metrics.EditionProgress(progress);
            var finished = progress.Pending + progress.Sending == 0;
            if (!_lastProgressLog.TryGetValue(campaign, out var last) || now - last >= ReviewInterval || finished)
            {
                _lastProgressLog[campaign] = now;
                logger.LogInformation("Edition {Campaign}: {Sent}/{Total} sent, {Failed} failed{Classes}, {Suppressed} suppressed, {Pending} pending, {Rate} msg/s, estimated finish {Eta} ({State})",
                    campaign, progress.Sent, progress.Total, progress.Failed, ClassesText(progress), progress.Suppressed, progress.Pending + progress.Sending,
                    progress.MessagesPerSecond, progress.EstimatedFinish?.ToString("u") ?? "-", EnumText.Of(progress.State));
            }
            if (finished && _settledTold.Add(campaign))
            {
                foreach (var listener in listeners)
                {
                    try
                    {
                        await listener.CampaignSettledAsync(progress, cancellationToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _settledTold.Remove(campaign); // told again at the next review
                        logger.LogError(e, "Could not record the end of edition {Campaign}", campaign);
                    }
                }
            }
            else if (!finished)
                _settledTold.Remove(campaign);
        }
    }

    public static string ClassesText(CampaignProgress progress) =>
        progress.FailedByClass.Count == 0 ? "" : $" ({string.Join(", ", progress.FailedByClass.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))})";

    private async Task PutBackForPaceAsync(OutboxItem item, TimeSpan after, string? reason)
    {
        await outbox.ReleaseAsync(item, after, reason, CancellationToken.None);
        var due = time.GetUtcNow() + after;
        lock (_dueGate)
            if (_paceDue is null || due < _paceDue)
                _paceDue = due;
    }

    /// <summary>The poll interval, or less when a message put back for the pace is due sooner.</summary>
    private TimeSpan IdleWait(TimeSpan pollInterval)
    {
        DateTimeOffset? due;
        lock (_dueGate)
            (due, _paceDue) = (_paceDue, null);
        if (due is not { } at)
            return pollInterval;
        var wait = at - time.GetUtcNow();
        return wait <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : wait < pollInterval ? wait : pollInterval;
    }

    /// <summary>Writes the relay's status when it changed, and at least every review interval (so a reader sees it is current).</summary>
    private async Task SaveRelayStatusAsync(CancellationToken cancellationToken)
    {
        var version = relay.Version;
        var now = time.GetUtcNow();
        if (version == _relayVersionSaved && now - _relaySavedAt < ReviewInterval)
            return;
        try
        {
            await relayStatus.SaveAsync(relay.Current, cancellationToken);
            (_relayVersionSaved, _relaySavedAt) = (version, now);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug(e, "Could not record the relay's status");
        }
    }

    /// <summary>Writes the sending pace when it changed, and at least every review interval.</summary>
    private async Task SavePaceAsync(CancellationToken cancellationToken)
    {
        var version = pace.Changes.Version;
        var now = time.GetUtcNow();
        if (sender is not SmtpMailSender || (version == _paceVersionSaved && now - _paceSavedAt < ReviewInterval))
            return;
        try
        {
            await paceStatus.SaveAsync(pace.Current, cancellationToken);
            (_paceVersionSaved, _paceSavedAt) = (version, now);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug(e, "Could not record the sending pace");
        }
    }
}
