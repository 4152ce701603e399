using System.Threading.RateLimiting;
using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Delivery;

/// <summary>One pace as <c>delivery status</c> shows it: the relay's (<see cref="Domain"/> null) or one recipient domain's.</summary>
public sealed record PaceStatus(
    string Relay, string? Domain, double? MessagesPerSecond, double? Ceiling, DateTimeOffset Since,
    string? LastThrottle, DateTimeOffset? LastThrottleAt, long Throttles, int MaxConcurrent = 0);

/// <summary>
/// How fast mail goes out, adapted to what the relay says. The relay's pace starts at
/// <c>Smtp:MessagesPerSecond</c> (or none) and every send waits its turn; a throttling reply cuts it
/// (<c>Smtp:ThrottleFactor</c>, down to <c>Smtp:MinMessagesPerSecond</c>) and sends without one win it
/// back (<c>Smtp:RecoveryStep</c> per <c>Smtp:RecoveryInterval</c>) up to its ceiling: the configured
/// limit, or the rate the first throttle came at. A reply that names the recipient's domain cuts that
/// domain's pace only; <c>Delivery:DomainLimits</c> gives domains a pace and a concurrency cap of their
/// own. A domain's turn is not waited for: the delivery worker puts its message back in the outbox for
/// the time <see cref="TryStart"/> gives, so that other domains keep going.
/// </summary>
public sealed class SendingPace : IDisposable
{
    private readonly Lock _lock = new();
    private readonly SmtpOptions _smtp;
    private readonly IReadOnlyDictionary<string, DomainLimit> _limits;
    private readonly TimeProvider _time;
    private readonly ILogger<SendingPace>? _logger;
    private readonly AdaptiveRate _relay;
    private readonly Dictionary<string, DomainGate> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SecondCounter> _sent = new(StringComparer.OrdinalIgnoreCase);
    private readonly SecondCounter _sentAll = new();
    private TimeProviderRateLimiter? _limiter;
    private string _relayName = "(none yet)";
    private bool _disposed;

    public SendingPace(IOptions<SmtpOptions> smtp, IOptions<DeliveryOptions> delivery, TimeProvider time, ILogger<SendingPace>? logger = null)
    {
        (_smtp, _time, _logger) = (smtp.Value, time, logger);
        _limits = delivery.Value.DomainLimits.ToDictionary(l => l.Key.Trim().ToLowerInvariant(), l => l.Value, StringComparer.OrdinalIgnoreCase);
        var now = time.GetUtcNow();
        _relay = new AdaptiveRate(_smtp.MessagesPerSecond > 0 ? _smtp.MessagesPerSecond : null, now);
        foreach (var (domain, limit) in _limits)
            _domains[domain] = new DomainGate(new AdaptiveRate(limit.MessagesPerSecond > 0 ? limit.MessagesPerSecond : null, now), limit.MaxConcurrent, Configured: true, now);
        if (_relay.Current is { } rate)
            _limiter = NewLimiter(rate);
    }

    /// <summary>Moves whenever a pace changes.</summary>
    public VersionSignal Changes { get; } = new();

    /// <summary>Moves whenever a send starts waiting for its turn at the relay's pace (in-process watchers: tests, the desk).</summary>
    public VersionSignal Waits { get; } = new();

    /// <summary>Sends waiting for their turn at the relay's pace.</summary>
    public long WaitingForRelay => RelayLimiterStatistics?.CurrentQueuedCount ?? 0;

    internal RateLimiterStatistics? RelayLimiterStatistics
    {
        get
        {
            lock (_lock)
                return _limiter?.GetStatistics();
        }
    }

    public void Describe(string relay)
    {
        lock (_lock)
            _relayName = relay;
    }

    /// <summary>The relay's pace and each domain's that has a limit or was throttled.</summary>
    public IReadOnlyList<PaceStatus> Current
    {
        get
        {
            lock (_lock)
            {
                var list = new List<PaceStatus> { StatusOf(null, _relay, 0) };
                list.AddRange(_domains.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => StatusOf(d.Key, d.Value.Rate, d.Value.MaxConcurrent)));
                return list;
            }
        }
    }

    /// <summary>Waits for the relay's pace (no wait while it has none); the lease fails only once the pace is disposed.</summary>
    public ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken)
    {
        TimeProviderRateLimiter? limiter;
        bool disposed;
        lock (_lock)
            (limiter, disposed) = (_limiter, _disposed);
        if (limiter is not null)
            return limiter.AcquireAsync(1, cancellationToken);
        return ValueTask.FromResult<RateLimitLease>(disposed ? NoLease.Failed : NoLease.Acquired);
    }

    /// <summary>
    /// Whether a message to <paramref name="domain"/> may be sent now: null when it may (it then counts
    /// against the domain's concurrency until <see cref="Finished"/>), or how long it should wait. Each
    /// message told to wait gets the next free turn, so the ones put back come back one turn apart.
    /// </summary>
    public TimeSpan? TryStart(string? domain)
    {
        if (domain is null)
            return null;
        lock (_lock)
        {
            if (!_domains.TryGetValue(domain, out var gate))
                return null;
            var now = _time.GetUtcNow();
            if (gate.MaxConcurrent > 0 && gate.InFlight >= gate.MaxConcurrent)
                return TimeSpan.FromSeconds(1); // a send to it ends within the reply timeout; most within a second
            if (gate.Rate.Current is { } rate)
            {
                // Up to a second's worth of turns at once (messages come back from the outbox together), never more on average.
                if (gate.Next - now >= Burst)
                    return Reserve(gate, rate, now);
                gate.Next = (gate.Next > now ? gate.Next : now) + Interval(rate);
            }
            gate.InFlight++;
            return null;
        }
    }

    /// <summary>A send <see cref="TryStart"/> let through is over.</summary>
    public void Finished(string? domain)
    {
        if (domain is null)
            return;
        lock (_lock)
            if (_domains.TryGetValue(domain, out var gate) && gate.InFlight > 0)
                gate.InFlight--;
    }

    /// <summary>A message the relay accepted: counted for the measured rate, and a step of recovery when an interval went by cleanly.</summary>
    public void Sent(string? domain)
    {
        var changed = false;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            _sentAll.Add(now);
            if (domain is not null)
            {
                if (!_sent.TryGetValue(domain, out var counter))
                    _sent[domain] = counter = new SecondCounter();
                counter.Add(now);
                if (_domains.TryGetValue(domain, out var gate) && gate.Rate.Recover(now, _smtp.RecoveryStep, _smtp.RecoveryInterval))
                {
                    changed = true;
                    if (!gate.Configured && !gate.Rate.Reduced)
                        _domains.Remove(domain); // recovered: it follows the relay's pace again
                }
            }
            if (_relay.Recover(now, _smtp.RecoveryStep, _smtp.RecoveryInterval))
            {
                ApplyRelayRate();
                changed = true;
            }
        }
        if (changed)
            Changes.Bump();
    }

    /// <summary>Cuts the relay's pace, or the domain's when the reply names it; returns the reply when it was a throttling one.</summary>
    public ThrottleReply? Throttled(Exception failure, string? domain)
    {
        if (SmtpFailureClassifier.ThrottleOf(failure, domain) is not { } throttle)
            return null;
        double? from, to;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (throttle.Domain is { } named)
            {
                if (!_domains.TryGetValue(named, out var gate))
                    _domains[named] = gate = new DomainGate(new AdaptiveRate(null, now), 0, Configured: false, now);
                from = gate.Rate.Current;
                var measured = _sent.TryGetValue(named, out var counter) ? counter.Rate(now) : 0;
                if (!gate.Rate.Cut(now, throttle.Reply, measured, _smtp.ThrottleFactor, _smtp.MinMessagesPerSecond))
                    return throttle;
                to = gate.Rate.Current;
            }
            else
            {
                from = _relay.Current;
                if (!_relay.Cut(now, throttle.Reply, _sentAll.Rate(now), _smtp.ThrottleFactor, _smtp.MinMessagesPerSecond))
                    return throttle;
                to = _relay.Current;
                ApplyRelayRate();
            }
        }
        _logger?.LogWarning("{Scope} asks us to slow down ({Reply}); pace {From} → {To} msg/s",
            throttle.Domain is null ? "The relay" : $"Domain {throttle.Domain}", throttle.Reply, from?.ToString("0.##") ?? "unlimited", to?.ToString("0.##"));
        Changes.Bump();
        return throttle;
    }

    /// <summary>When a throttled message should come back: the domain's next free turn, or one turn of the relay's new pace (at least a second).</summary>
    public TimeSpan RetryAfter(ThrottleReply throttle)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (throttle.Domain is { } domain && _domains.TryGetValue(domain, out var gate) && gate.Rate.Current is { } rate)
                return Reserve(gate, rate, now);
            return _relay.Current is { } relay ? TimeSpan.FromSeconds(Math.Max(1, 1 / relay)) : TimeSpan.FromSeconds(1);
        }
    }

    public void Dispose()
    {
        TimeProviderRateLimiter? limiter;
        lock (_lock)
        {
            _disposed = true;
            (limiter, _limiter) = (_limiter, null);
        }
        limiter?.Dispose();
    }

    /// <summary>The <c>Delivery:DomainLimits</c> entries that cannot work, each naming its key.</summary>
    public static IEnumerable<string> DomainLimitProblems(IReadOnlyDictionary<string, DomainLimit> limits)
    {
        foreach (var (domain, limit) in limits)
        {
            var key = $"DomainLimits:{domain}";
            if (Uri.CheckHostName(domain) != UriHostNameType.Dns || !domain.Contains('.'))
                yield return $"{key}: '{domain}' is not a domain name such as orange.fr";
            if (limit is null)
            {
                yield return $"{key}: give MessagesPerSecond and/or MaxConcurrent";
                continue;
            }
            if (limit.MessagesPerSecond is < 0 or > 100_000 || double.IsNaN(limit.MessagesPerSecond))
                yield return $"{key}:MessagesPerSecond: must be between 0 and 100000 (0: no limit)";
            if (limit.MaxConcurrent is < 0 or > 64)
                yield return $"{key}:MaxConcurrent: must be between 0 and 64 (0: no cap)";
            if (limit.MessagesPerSecond == 0 && limit.MaxConcurrent == 0)
                yield return $"{key}: sets neither MessagesPerSecond nor MaxConcurrent; give one, or remove the entry";
        }
    }

    private static TimeSpan Interval(double rate) => TimeSpan.FromSeconds(1 / rate);

    /// <summary>How far ahead of the clock a domain's turns may be taken: one second's worth of its pace.</summary>
    private static readonly TimeSpan Burst = TimeSpan.FromSeconds(1);

    // The instant this message's turn opens (a second before its theoretical time, see Burst), after the turns already handed out.
    private static TimeSpan Reserve(DomainGate gate, double rate, DateTimeOffset now)
    {
        var turn = new[] { gate.Next - Burst + Interval(rate), gate.Reserved + Interval(rate), now }.Max();
        gate.Reserved = turn;
        return turn - now;
    }

    private PaceStatus StatusOf(string? domain, AdaptiveRate rate, int maxConcurrent) =>
        new(_relayName, domain, rate.Current, rate.Ceiling, rate.Since, rate.LastThrottle, rate.LastThrottleAt, rate.Throttles, maxConcurrent);

    // Under _lock.
    private void ApplyRelayRate()
    {
        if (_disposed || _relay.Current is not { } rate)
            return;
        if (_limiter is null)
            _limiter = NewLimiter(rate);
        else
        {
            var (permits, window) = Window(rate);
            _limiter.Change(permits, window);
        }
    }

    private TimeProviderRateLimiter NewLimiter(double rate)
    {
        var (permits, window) = Window(rate);
        return new TimeProviderRateLimiter(permits, window, _time, () => Waits.Bump());
    }

    /// <summary>Whole messages per one-second window; below one a second, one message per longer window.</summary>
    private static (int Permits, TimeSpan Window) Window(double rate) =>
        rate >= 1 ? ((int)Math.Floor(rate), TimeSpan.FromSeconds(1)) : (1, TimeSpan.FromSeconds(1 / rate));

    private sealed class DomainGate(AdaptiveRate rate, int maxConcurrent, bool Configured, DateTimeOffset now)
    {
        public AdaptiveRate Rate { get; } = rate;
        public int MaxConcurrent { get; } = maxConcurrent;
        public bool Configured { get; } = Configured;
        public int InFlight { get; set; }
        /// <summary>When the turns taken so far would end at the pace (a message may go while it is less than a second ahead).</summary>
        public DateTimeOffset Next { get; set; } = now;
        /// <summary>The last turn handed to a message put back in the outbox.</summary>
        public DateTimeOffset Reserved { get; set; } = now;
    }

    /// <summary>Sends counted per second of the clock: the rate is the busier of the last full second and this one.</summary>
    private sealed class SecondCounter
    {
        private long _second = long.MinValue;
        private int _current;
        private int _previous;

        public void Add(DateTimeOffset now)
        {
            Roll(now);
            _current++;
        }

        public double Rate(DateTimeOffset now)
        {
            Roll(now);
            return Math.Max(_current, _previous);
        }

        private void Roll(DateTimeOffset now)
        {
            var second = now.ToUnixTimeSeconds();
            if (second == _second)
                return;
            _previous = second == _second + 1 ? _current : 0;
            (_second, _current) = (second, 0);
        }
    }

    private sealed class NoLease(bool acquired) : RateLimitLease
    {
        public static readonly NoLease Acquired = new(true);
        public static readonly NoLease Failed = new(false);

        public override bool IsAcquired => acquired;
        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
