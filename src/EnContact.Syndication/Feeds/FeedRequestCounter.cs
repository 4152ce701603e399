using System.Collections.Concurrent;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// Requests per feed since this process started, and how many of them were answered 304: what the
/// desk's feeds page shows. Two interlocked increments per poll; nothing is stored, so a restart starts
/// again from zero, and each gateway process counts its own.
/// </summary>
public sealed class FeedRequestCounter
{
    private readonly ConcurrentDictionary<string, Counts> _byPath = new(StringComparer.Ordinal);

    public sealed class Counts
    {
        internal long RequestCount;
        internal long NotModifiedCount;

        public long Requests => Interlocked.Read(ref RequestCount);
        public long NotModified => Interlocked.Read(ref NotModifiedCount);
    }

    /// <summary>Counts a request for <paramref name="path"/> (only paths of served documents: no key grows from a client's typing).</summary>
    public void Count(string path, bool notModified)
    {
        var counts = _byPath.GetOrAdd(path, static _ => new Counts());
        Interlocked.Increment(ref counts.RequestCount);
        if (notModified)
            Interlocked.Increment(ref counts.NotModifiedCount);
    }

    public (long Requests, long NotModified) Of(string path) =>
        _byPath.TryGetValue(path, out var counts) ? (counts.Requests, counts.NotModified) : (0, 0);
}
