using EnContact.Syndication.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EnContact.Syndication.Bounces;

/// <summary>What the bounce mailbox's reader is doing.</summary>
public enum BounceMailboxState
{
    /// <summary>No Bounces:Imap:Host: nothing to read.</summary>
    Off,
    /// <summary>A host is set but nothing in this gateway understands bounce mail: the reader did not start.</summary>
    NoHandler,
    /// <summary>Another gateway process on the same database reads the mailbox.</summary>
    StandingBy,
    Connecting,
    Connected,
    /// <summary>The last attempt to reach or use the mailbox failed; the reader tries again after a back-off.</summary>
    Unreachable,
}

/// <summary>The reader as the desk and <c>/healthz</c> see it. Counts are since this process started.</summary>
public sealed record BounceMailboxStatus(
    BounceMailboxState State,
    DateTimeOffset StateSince,
    DateTimeOffset? UnreachableSince,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    TimeSpan? NextAttemptIn,
    long Handled,
    long MovedToReview,
    DateTimeOffset? LastCheck,
    string? Waiting);

/// <summary>
/// The bounce mailbox reader's state, kept in memory as it happens. <c>/healthz</c> reports it
/// Degraded, not Unhealthy, while the mailbox cannot be reached: bounces wait on the server, nothing
/// is lost, and the rest of the gateway works. Nothing private goes out (no host, no login).
/// </summary>
public sealed class BounceMailboxHealth(TimeProvider time) : IHealthCheck
{
    private readonly Lock _lock = new();
    private BounceMailboxStatus _status = new(BounceMailboxState.Off, time.GetUtcNow(), null, null, null, null, 0, 0, null, null);

    /// <summary>Moves on every change (tests and pages wait on it instead of polling).</summary>
    public VersionSignal Changes { get; } = new();

    public BounceMailboxStatus Current
    {
        get
        {
            lock (_lock)
                return _status;
        }
    }

    public void NoHandler() => Update(s => Enter(s, BounceMailboxState.NoHandler));

    public void StandingBy() => Update(s => Enter(s, BounceMailboxState.StandingBy) with { UnreachableSince = null, NextAttemptIn = null, Waiting = null });

    public void Connecting() => Update(s => s.State == BounceMailboxState.Unreachable ? s : Enter(s, BounceMailboxState.Connecting));

    public void Connected() => Update(s => Enter(s, BounceMailboxState.Connected) with { UnreachableSince = null, NextAttemptIn = null });

    /// <summary>A failure that broke the connection (or kept it from being made); the next attempt comes after <paramref name="retryIn"/>.</summary>
    public void Unreachable(string error, TimeSpan? retryIn) => Update(s =>
    {
        var now = time.GetUtcNow();
        return Enter(s, BounceMailboxState.Unreachable) with
        {
            UnreachableSince = s.UnreachableSince ?? now, LastError = error, LastErrorAt = now, NextAttemptIn = retryIn, Waiting = null,
        };
    });

    /// <summary>The folder was searched for messages.</summary>
    public void Checked() => Update(s => s with { LastCheck = time.GetUtcNow() });

    /// <summary>A message was filed: with the processed mail, or for review.</summary>
    public void Filed(bool forReview) => Update(s => s with { Handled = s.Handled + 1, MovedToReview = s.MovedToReview + (forReview ? 1 : 0) });

    /// <summary>Waiting for new mail: "idle" (the server says when) or "polling".</summary>
    public void WaitingFor(string? how) => Update(s => s with { Waiting = how });

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var s = Current;
        var counts = $"{s.Handled} message(s) handled since start, {s.MovedToReview} moved for review";
        var result = s.State switch
        {
            BounceMailboxState.Off => HealthCheckResult.Healthy("no bounce mailbox is read (Bounces:Imap:Host is empty)"),
            BounceMailboxState.NoHandler => HealthCheckResult.Degraded(
                "Bounces:Imap:Host is set but this gateway has nothing that understands bounce mail, so the mailbox is not read"),
            BounceMailboxState.StandingBy => HealthCheckResult.Healthy("another gateway process reads the bounce mailbox; this one stands by"),
            BounceMailboxState.Connecting => HealthCheckResult.Healthy("connecting to the bounce mailbox"),
            BounceMailboxState.Connected => HealthCheckResult.Healthy(
                $"connected since {s.StateSince:u}; {counts}" + (s.LastCheck is { } at ? $"; last looked at {at:u}" : "")),
            _ => HealthCheckResult.Degraded(
                $"the bounce mailbox has been unreachable since {s.UnreachableSince:u}: {s.LastError}" +
                (s.NextAttemptIn is { } next ? $"; next attempt in {next}" : "") + $"; {counts}"),
        };
        return Task.FromResult(result);
    }

    private BounceMailboxStatus Enter(BounceMailboxStatus s, BounceMailboxState state) =>
        s.State == state ? s : s with { State = state, StateSince = time.GetUtcNow() };

    private void Update(Func<BounceMailboxStatus, BounceMailboxStatus> change)
    {
        lock (_lock)
            _status = change(_status);
        Changes.Bump();
    }
}
