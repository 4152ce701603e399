namespace EnContact.Syndication.Storage;

/// <summary>
/// A counter that only goes up, with a way to wait until it passes a value: how stores tell
/// in-process readers that something changed, without polling.
/// </summary>
public class VersionSignal
{
    private readonly Lock _gate = new();
    private long _version;
    private TaskCompletionSource _next = NewSignal();

    /// <summary>The newest version published.</summary>
    public long Version
    {
        get { lock (_gate) return _version; }
    }

    /// <summary>Records <paramref name="version"/> (ignored unless newer) and wakes every waiter.</summary>
    public void Publish(long version)
    {
        TaskCompletionSource toRelease;
        lock (_gate)
        {
            if (version <= _version)
                return;
            _version = version;
            toRelease = _next;
            _next = NewSignal();
        }

        toRelease.TrySetResult();
    }

    /// <summary>Moves to the next version and wakes every waiter.</summary>
    public void Bump()
    {
        long next;
        lock (_gate)
            next = _version + 1;
        // Two racing bumps may publish the same number: both changes were committed before either
        // bump, so whoever wakes on it reads both.
        Publish(next);
    }

    /// <summary>Completes when the version is past <paramref name="seenVersion"/>.</summary>
    public Task WaitForChangeAsync(long seenVersion, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            if (_version > seenVersion)
                return Task.CompletedTask;
            signal = _next.Task;
        }

        return signal.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
