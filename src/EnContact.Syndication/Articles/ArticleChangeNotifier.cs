namespace EnContact.Syndication.Articles;

/// <summary>
/// Tells in-process readers (feed builder, scheduler) that the article store moved past a version,
/// so they can ask the store for "changed since N" instead of polling or rescanning.
/// </summary>
public sealed class ArticleChangeNotifier
{
    private readonly Lock _gate = new();
    private long _version;
    private TaskCompletionSource _next = NewSignal();

    /// <summary>The newest change-counter value this process has seen committed.</summary>
    public long Version
    {
        get { lock (_gate) return _version; }
    }

    /// <summary>Records that the store committed <paramref name="version"/> and wakes every waiter.</summary>
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

    /// <summary>Completes when the store has moved past <paramref name="seenVersion"/>.</summary>
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
