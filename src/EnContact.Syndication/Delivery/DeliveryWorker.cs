using EnContact.Syndication.Hosting;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Sends what the outbox holds: claims a batch (transactional first), sends it over as many
/// connections as the sender has, and settles each message by what happened — sent after the
/// relay's acceptance, retried later when the failure is transient, failed (and the address
/// suppressed on a hard bounce) when it is permanent. Pauses an edition whose permanent-failure
/// rate crosses the threshold. On shutdown, sends in flight get a short grace period and
/// unstarted ones go straight back to the queue.
/// </summary>
public sealed class DeliveryWorker(
    OutboxStore outbox,
    OutboxSignal signal,
    MessageComposer composer,
    PersonalData personalData,
    IMailSender sender,
    IOptions<DeliveryOptions> options,
    IOptions<SmtpOptions> smtp,
    TimeProvider time,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    /// <summary>How long a send already under way may finish after shutdown begins.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);

    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly Dictionary<string, DateTimeOffset> _lastProgressLog = new(StringComparer.Ordinal);
    // Editions sent since their last review; reviewed again when the outbox runs dry (their final line).
    private readonly HashSet<string> _unreviewed = new(StringComparer.Ordinal);
    private int _permanentFailuresSinceReview;

    /// <summary>How often an edition's progress is counted while it sends (counting 100,000 rows takes ~0.2 s, and sending waits for it).</summary>
    public static readonly TimeSpan ReviewInterval = TimeSpan.FromSeconds(10);

    private int Concurrency => sender is PickupFolderSender ? 2 : smtp.Value.Connections;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Delivery worker sending through {Sender}", sender.Description);
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
                await signal.WaitAsync(settings.PollInterval, time, stoppingToken);
                continue;
            }

            var configurationError = await SendBatchAsync(batch, stoppingToken);
            // A permanent failure is reviewed at once (the edition may have to pause); otherwise progress is
            // counted every ReviewInterval, not after every batch.
            var failed = Interlocked.Exchange(ref _permanentFailuresSinceReview, 0) > 0;
            await ReviewCampaignsAsync(batch.Select(i => i.Campaign).Distinct(StringComparer.Ordinal).ToArray(), failed, stoppingToken);
            if (configurationError)
                await Task.Delay(TimeSpan.FromMinutes(1), time, stoppingToken); // nothing can go out until the set-up is fixed
        }
    }

    /// <summary>Sends a claimed batch; true when a set-up error (authentication) stopped it.</summary>
    private async Task<bool> SendBatchAsync(IReadOnlyList<OutboxItem> batch, CancellationToken stoppingToken)
    {
        using var sending = new CancellationTokenSource();
        using var shutdown = stoppingToken.Register(() => sending.CancelAfter(ShutdownGrace));
        var queue = new ConcurrentQueue<OutboxItem>(batch);
        var stop = false;

        async Task Lane()
        {
            while (queue.TryDequeue(out var item))
            {
                if (stoppingToken.IsCancellationRequested || Volatile.Read(ref stop))
                {
                    await outbox.ReleaseAsync(item, TimeSpan.Zero, null, CancellationToken.None);
                    continue;
                }
                if (await SendOneAsync(item, sending.Token) == FailureKind.Configuration)
                    Volatile.Write(ref stop, true);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(Concurrency, batch.Count)).Select(_ => Lane()));
        return stop;
    }

    /// <summary>Sends one message and records the outcome; returns the failure kind, or null when sent.</summary>
    private async Task<FailureKind?> SendOneAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        // Outcomes are recorded with CancellationToken.None: a message the relay accepted must be marked sent even during shutdown.
        MimeMessage message;
        try
        {
            message = composer.Compose(item);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not compose the {Campaign} message to {Recipient}", item.Campaign, personalData.LogId(item.Recipient));
            await outbox.FailAsync(item, $"could not compose the message: {e.Message}", suppress: false, CancellationToken.None);
            Interlocked.Increment(ref _permanentFailuresSinceReview);
            return FailureKind.MessageRejected;
        }

        // MimeKit parts hold pooled buffers: give them back as soon as the message is out.
        using var sent = message;
        try
        {
            var receipt = await sender.SendAsync(message, cancellationToken);
            await outbox.MarkSentAsync(item, receipt.Reply, CancellationToken.None);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The grace period ran out mid-send: the relay may have it or not. Queue it again; at worst a
            // duplicate that carries the same Message-ID.
            await outbox.ReleaseAsync(item, TimeSpan.Zero, "interrupted by shutdown", CancellationToken.None);
            return FailureKind.Transient;
        }
        catch (Exception e)
        {
            var kind = SmtpFailureClassifier.Classify(e);
            var reason = $"{e.GetType().Name}: {e.Message}";
            var logged = personalData.Redact(reason); // a relay's reply often names the recipient
            switch (kind)
            {
                case FailureKind.Transient when RelayUnavailable(e):
                    // An outage delays mail, never loses it: waiting for the relay does not use up the message's attempts.
                    logger.LogDebug("Relay unavailable; the {Campaign} message to {Recipient} waits: {Reason}", item.Campaign, personalData.LogId(item.Recipient), logged);
                    await outbox.ReleaseAsync(item, options.Value.RetryDelay, reason, CancellationToken.None);
                    break;
                case FailureKind.Transient:
                    logger.LogDebug("The {Campaign} message to {Recipient} will be retried: {Reason}", item.Campaign, personalData.LogId(item.Recipient), logged);
                    await outbox.RescheduleAsync(item, reason, CancellationToken.None);
                    break;
                case FailureKind.RecipientRejected:
                    logger.LogWarning("The relay refused {Recipient} for good; the address is suppressed: {Reason}", personalData.LogId(item.Recipient), logged);
                    await outbox.FailAsync(item, reason, suppress: true, CancellationToken.None);
                    Interlocked.Increment(ref _permanentFailuresSinceReview);
                    break;
                case FailureKind.MessageRejected:
                    logger.LogWarning("The relay refused the {Campaign} message to {Recipient} for good: {Reason}", item.Campaign, personalData.LogId(item.Recipient), logged);
                    await outbox.FailAsync(item, reason, suppress: false, CancellationToken.None);
                    Interlocked.Increment(ref _permanentFailuresSinceReview);
                    break;
                default:
                    logger.LogError("Mail cannot be sent until the SMTP settings are fixed; messages stay queued: {Reason}", logged);
                    await outbox.ReleaseAsync(item, TimeSpan.FromMinutes(1), reason, CancellationToken.None);
                    break;
            }
            return kind;
        }
    }

    /// <summary>The relay cannot be reached at all (refused, circuit open, 421 "service not available"), as opposed to refusing this message for now.</summary>
    public static bool RelayUnavailable(Exception e) => e switch
    {
        Polly.CircuitBreaker.BrokenCircuitException => true,
        System.Net.Sockets.SocketException => true,
        MailKit.ServiceNotConnectedException => true,
        MailKit.Net.Smtp.SmtpCommandException command => command.StatusCode == MailKit.Net.Smtp.SmtpStatusCode.ServiceNotAvailable,
        // A reset or drop on an open connection may be this message's doing: it counts as an attempt.
        _ => false,
    };

    /// <summary>Logs progress (at most every 10 s per edition) and pauses an edition failing too often.</summary>
    private async Task ReviewCampaignsAsync(IReadOnlyList<string> campaigns, bool force, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        foreach (var campaign in campaigns)
        {
            if (!force && _lastProgressLog.TryGetValue(campaign, out var reviewed) && now - reviewed < ReviewInterval)
            {
                _unreviewed.Add(campaign);
                continue;
            }
            _unreviewed.Remove(campaign);
            var progress = (await outbox.ProgressAsync(campaign, cancellationToken)).FirstOrDefault();
            if (progress is null)
                continue;
            var attempted = progress.Sent + progress.Failed;
            if (progress.State == "active" && attempted >= settings.FailureSampleSize && progress.Failed >= settings.PauseFailureRatio * attempted)
            {
                var reason = $"paused automatically: {progress.Failed} of {attempted} messages failed permanently ({100.0 * progress.Failed / attempted:0.#} %, threshold {settings.PauseFailureRatio:P0}); check the relay's replies, then resume";
                await outbox.SetCampaignStateAsync(campaign, "paused", reason, cancellationToken);
                logger.LogWarning("Edition {Campaign} {Reason}", campaign, reason);
            }
            if (!_lastProgressLog.TryGetValue(campaign, out var last) || now - last >= ReviewInterval || progress.Pending + progress.Sending == 0)
            {
                _lastProgressLog[campaign] = now;
                logger.LogInformation("Edition {Campaign}: {Sent}/{Total} sent, {Failed} failed, {Suppressed} suppressed, {Pending} pending, {Rate} msg/s, estimated finish {Eta}",
                    campaign, progress.Sent, progress.Total, progress.Failed, progress.Suppressed, progress.Pending + progress.Sending,
                    progress.MessagesPerSecond, progress.EstimatedFinish?.ToString("u") ?? "-");
            }
        }
    }
}
