namespace EnContact.Syndication.Delivery;

/// <summary>The relay as seen from here: up, down (circuit open) or being probed, since when, and what it last said.</summary>
/// <summary>The relay as the circuit breaker sees it: up, down (the breaker is open) or probing (half-open: one trial send).</summary>
public enum RelayState
{
    Up,
    Down,
    Probing,
}

public sealed record RelayStatus(
    string Relay, RelayState State, DateTimeOffset StateSince, string? LastReply, DateTimeOffset? LastReplyAt, string? LastFailure, DateTimeOffset? LastFailureAt);

/// <summary>
/// What the sender learns about the relay, kept in memory as it happens (the circuit breaker's
/// transitions, the last reply, the last failure) and written to the database by the delivery worker,
/// so that <c>delivery status</c> in another process can show it.
/// </summary>
public sealed class RelayHealth(TimeProvider time)
{
    private readonly Lock _lock = new();
    private RelayStatus _status = new("(none yet)", RelayState.Up, time.GetUtcNow(), null, null, null, null);
    private long _version;

    public RelayStatus Current
    {
        get
        {
            lock (_lock)
                return _status;
        }
    }

    /// <summary>Moves on every change, so the worker writes only what changed.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Describe(string relay) => Update(s => s with { Relay = relay });

    public void BreakerOpened() => Update(s => s with { State = RelayState.Down, StateSince = time.GetUtcNow() });

    public void BreakerHalfOpened() => Update(s => s with { State = RelayState.Probing, StateSince = time.GetUtcNow() });

    public void BreakerClosed() => Update(s => s with { State = RelayState.Up, StateSince = time.GetUtcNow() });

    public void Replied(string reply) => Update(s => s with { LastReply = reply, LastReplyAt = time.GetUtcNow() });

    public void Failed(string failure) => Update(s => s with { LastFailure = failure, LastFailureAt = time.GetUtcNow() });

    private void Update(Func<RelayStatus, RelayStatus> change)
    {
        lock (_lock)
            _status = change(_status);
        Interlocked.Increment(ref _version);
    }
}
