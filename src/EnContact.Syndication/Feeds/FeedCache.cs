using System.Collections.Frozen;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// The feeds being served: an immutable snapshot swapped in one reference assignment after each
/// rebuild, so a request never sees half a rebuild and never waits for one.
/// </summary>
public sealed class FeedCache
{
    private volatile Snapshot _current = new(FrozenDictionary<string, FeedDocument>.Empty, 0, false);
    private readonly TaskCompletionSource _firstBuild = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The documents under <c>/feeds/</c> by path, the letter feed (served at its own path, not mirrored),
    /// and the article store and letter versions they were built from.
    /// </summary>
    public sealed record Snapshot(FrozenDictionary<string, FeedDocument> Documents, long StoreVersion, bool IsBuilt)
    {
        public FeedDocument? Letters { get; init; }
        /// <summary>
        /// The full-text documents (premium articles in full) of the site-wide and section feeds, by the same
        /// paths as <see cref="Documents"/>: served only at members' private addresses, never mirrored,
        /// listed or announced to the hub.
        /// </summary>
        public FrozenDictionary<string, FeedDocument> FullText { get; init; } = FrozenDictionary<string, FeedDocument>.Empty;
        public long LettersVersion { get; init; }
        /// <summary>The newest letters that went out, newest first (the home page lists them).</summary>
        public IReadOnlyList<Letter> LatestLetters { get; init; } = [];
    }

    /// <summary>How many of the newest letters a snapshot keeps for the home page.</summary>
    public const int LatestLetterCount = 5;

    public Snapshot Current => _current;

    /// <summary>Completes when the first build has been published.</summary>
    public Task FirstBuild => _firstBuild.Task;

    public void Publish(Snapshot snapshot)
    {
        TaskCompletionSource released;
        lock (_gate)
        {
            _current = snapshot;
            released = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        _firstBuild.TrySetResult();
        released.TrySetResult();
    }

    /// <summary>
    /// Completes once feeds built from store version <paramref name="storeVersion"/> (and letter version
    /// <paramref name="lettersVersion"/>) or later are being served.
    /// </summary>
    public async Task WaitForStoreVersionAsync(long storeVersion, CancellationToken cancellationToken, long lettersVersion = 0)
    {
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (_current.IsBuilt && _current.StoreVersion >= storeVersion && _current.LettersVersion >= lettersVersion)
                    return;
                next = _next.Task;
            }
            await next.WaitAsync(cancellationToken);
        }
    }
}
