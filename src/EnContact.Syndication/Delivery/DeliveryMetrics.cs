using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Delivery's instruments (meter <see cref="MeterName"/>): messages settled by result, mail kind and
/// failure class; SMTP send latency; and gauges read at collection time — the outbox's waiting
/// messages, the circuit breaker's state, each sending edition's progress. The send batch and each
/// SMTP send are traced.
/// </summary>
public sealed class DeliveryMetrics
{
    public const string MeterName = "EnContact.Syndication.Delivery";

    /// <summary>How old the outbox count may be before a collection reads it again (scrapes from several Prometheus servers share one count).</summary>
    public static readonly TimeSpan DepthMaxAge = TimeSpan.FromSeconds(5);

    /// <summary>Longest a collection waits for the outbox count; past it the previous count is reported.</summary>
    private static readonly TimeSpan DepthTimeout = TimeSpan.FromSeconds(2);

    internal static readonly ActivitySource Activities = new(MeterName);

    // Seconds: a relay on the LAN answers in milliseconds; Smtp:Timeout is 30 s, and retries add to it.
    private static readonly double[] SmtpBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly OutboxStore _outbox;
    private readonly RelayHealth _relay;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryMetrics> _logger;
    private readonly Counter<long> _messages;
    private readonly Histogram<double> _smtp;
    private readonly Counter<long> _throttles;
    private readonly SendingPace? _pace;
    private readonly ConcurrentDictionary<string, (long Sent, long Total)> _editions = new(StringComparer.Ordinal);
    private readonly Lock _depthGate = new();
    private (long Pending, long Sending)? _depth;
    private DateTimeOffset _depthAt;

    public DeliveryMetrics(IMeterFactory meters, OutboxStore outbox, RelayHealth relay, TimeProvider time, ILogger<DeliveryMetrics> logger, SendingPace? pace = null)
    {
        (_outbox, _relay, _time, _logger, _pace) = (outbox, relay, time, logger, pace);
        var meter = meters.Create(MeterName);
        _messages = meter.CreateCounter<long>("encontact.delivery.messages", "{message}",
            "Send attempts settled, by result (sent, deferred, throttled, relay-unavailable, failed, configuration-error, interrupted), " +
            "mail kind (transactional, bulk) and failure class (mailbox, mailbox-full, policy, content, system, other; none unless failed).");
        _smtp = meter.CreateHistogram("encontact.delivery.smtp.duration", "s",
            "Time for one message through the SMTP pipeline (connection, retries, the relay's reply), by outcome (ok, error).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SmtpBuckets });
        meter.CreateObservableGauge("encontact.delivery.outbox.messages", Depth, "{message}",
            $"Messages in the outbox not yet settled, by status (pending: waiting for their turn or a retry; sending: claimed by a sender). Read at most every {DepthMaxAge.TotalSeconds:0} s.");
        meter.CreateObservableGauge("encontact.delivery.circuit.state", CircuitState, "{state}",
            "The SMTP circuit breaker: 1 for its current state (closed: relay up; half-open: one trial send; open: relay down, sends paused), 0 for the others.");
        _throttles = meter.CreateCounter<long>("encontact.delivery.throttled", "{reply}",
            "Throttling replies from the relay (\"slow down\"), by scope: relay (its own pace is cut) or domain (the reply named the recipient's domain).");
        meter.CreateObservableGauge("encontact.delivery.pace", Paces, "{message}/s",
            "The current sending pace, by scope (relay, domain) and domain (none for the relay); absent while the relay's pace has no limit.");
        meter.CreateObservableGauge("encontact.delivery.edition.sent", () => Editions(e => e.Sent), "{message}",
            "Messages sent so far of each edition (or purpose) being sent, by campaign; the series ends when it is done, paused or cancelled.");
        meter.CreateObservableGauge("encontact.delivery.edition.total", () => Editions(e => e.Total), "{message}",
            "Messages queued for each edition (or purpose) being sent, by campaign.");
    }

    /// <summary>One send attempt settled. <paramref name="failureClass"/> is a <see cref="FailureClassText"/> value, or null unless it failed for good.</summary>
    public void Settled(string result, MailKind kind, string? failureClass) =>
        _messages.Add(1,
            new KeyValuePair<string, object?>("result", result),
            new KeyValuePair<string, object?>("kind", kind == MailKind.Bulk ? "bulk" : "transactional"),
            new KeyValuePair<string, object?>("failure_class", failureClass ?? "none"));

    /// <summary>A throttling reply; <paramref name="scope"/> is "relay" or "domain".</summary>
    public void Throttled(string scope) => _throttles.Add(1, new KeyValuePair<string, object?>("scope", scope));

    private IEnumerable<Measurement<double>> Paces() =>
        _pace is null ? [] : _pace.Current.Where(p => p.MessagesPerSecond is not null).Select(p => new Measurement<double>(p.MessagesPerSecond!.Value,
            new KeyValuePair<string, object?>("scope", p.Domain is null ? "relay" : "domain"),
            new KeyValuePair<string, object?>("domain", p.Domain ?? "none"))).ToList();

    public void SmtpSent(TimeSpan elapsed, bool ok) =>
        _smtp.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", ok ? "ok" : "error"));

    /// <summary>An edition's progress as the sender last counted it; only editions still sending are reported.</summary>
    public void EditionProgress(CampaignProgress progress)
    {
        if (progress.State == CampaignPhase.Sending)
            _editions[progress.Campaign] = (progress.Sent, progress.Total);
        else
            _editions.TryRemove(progress.Campaign, out _);
    }

    private IEnumerable<Measurement<long>> Editions(Func<(long Sent, long Total), long> value) =>
        _editions.Select(e => new Measurement<long>(value(e.Value), new KeyValuePair<string, object?>("campaign", e.Key))).ToList();

    private IEnumerable<Measurement<int>> CircuitState()
    {
        var state = _relay.Current.State;
        return
        [
            new(state == RelayState.Up ? 1 : 0, new KeyValuePair<string, object?>("state", "closed")),
            new(state == RelayState.Probing ? 1 : 0, new KeyValuePair<string, object?>("state", "half-open")),
            new(state == RelayState.Down ? 1 : 0, new KeyValuePair<string, object?>("state", "open")),
        ];
    }

    /// <summary>
    /// The outbox's waiting messages, counted at most every <see cref="DepthMaxAge"/>. Collection
    /// callbacks are synchronous, so the count runs on the collecting thread: an index range over
    /// the unsettled rows, bounded by <see cref="DepthTimeout"/>, never a scan of the settled history.
    /// </summary>
    private IEnumerable<Measurement<long>> Depth()
    {
        lock (_depthGate)
        {
            var now = _time.GetUtcNow();
            if (_depth is null || now - _depthAt >= DepthMaxAge)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(DepthTimeout);
                    _depth = _outbox.CountWaitingAsync(timeout.Token).GetAwaiter().GetResult();
                    _depthAt = now;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    _logger.LogDebug(e, "Could not count the outbox's waiting messages for the metrics; the last count stays");
                }
            }
            if (_depth is not { } depth)
                return [];
            return
            [
                new(depth.Pending, new KeyValuePair<string, object?>("status", "pending")),
                new(depth.Sending, new KeyValuePair<string, object?>("status", "sending")),
            ];
        }
    }
}
