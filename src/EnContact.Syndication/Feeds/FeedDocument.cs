using System.IO.Compression;
using System.Security.Cryptography;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// A feed ready to serve: the bytes, their gzip and Brotli forms (compressed once, not per request,
/// and which of the two is smaller), a strong ETag per representation derived from the content, and
/// Last-Modified. The feeds readers poll are compressed when they are built; an archive page (a
/// complete month, most of the bytes, rarely asked for) when it is first asked for compressed — it
/// then stays so, and a rebuild that leaves it unchanged keeps it.
/// </summary>
public sealed class FeedDocument
{
    private FeedDocument(RenderedFeed feed, string hash, DateTimeOffset lastModified)
    {
        Path = feed.Path;
        Url = feed.Url;
        Title = feed.Title;
        Format = feed.Format;
        IsArchive = feed.IsArchive;
        Identity = feed.Bytes;
        Hash = hash;
        LastModified = lastModified;
        _compressed = new Lazy<Compressed>(() => Compressed.Of(Identity), LazyThreadSafetyMode.ExecutionAndPublication);
        if (!IsArchive)
            _ = _compressed.Value;
    }

    private readonly Lazy<Compressed> _compressed;

    private sealed record Compressed(byte[] Gzip, byte[] Brotli)
    {
        public static Compressed Of(byte[] identity) => new(
            // Optimal: measured at less than half SmallestSize's time for about 1 % more bytes.
            Compress(identity, s => new GZipStream(s, CompressionLevel.Optimal)),
            // Brotli's smallest size (quality 11) is too slow to run on every rebuild. At Optimal it loses
            // to gzip on many real feeds (most of the sample content's), so each document serves the smaller.
            Compress(identity, s => new BrotliStream(s, CompressionLevel.Optimal)));
    }

    /// <summary>How long an archive page may be cached: it does not change, so a year (HTTP's customary longest).</summary>
    public static readonly TimeSpan ArchiveMaxAge = TimeSpan.FromDays(365);

    public string Path { get; }
    /// <summary>Its public URL (rel="self", the WebSub topic).</summary>
    public string Url { get; }
    public string Title { get; }
    public FeedFormat Format { get; }
    /// <summary>A page of the RFC 5005 archive: a complete month, which does not change (cached as immutable, not announced to the hub).</summary>
    public bool IsArchive { get; }
    /// <summary>Whether the Brotli form is smaller than the gzip one, for clients that accept both.</summary>
    public bool BrotliIsSmaller => _compressed.Value.Brotli.Length < _compressed.Value.Gzip.Length;
    public string ContentType => field ??= $"{Format.MediaType()}; charset=utf-8";
    public byte[] Identity { get; }
    public byte[] Gzip => _compressed.Value.Gzip;
    public byte[] Brotli => _compressed.Value.Brotli;
    /// <summary>Whether the compressed forms exist yet (an archive page nobody asked for compressed has none).</summary>
    public bool IsCompressed => _compressed.IsValueCreated;
    /// <summary>SHA-256 of the uncompressed bytes (hex, first 32 characters): equal hashes, equal documents.</summary>
    public string Hash { get; }
    /// <summary>When these bytes were first published (whole seconds, as HTTP dates carry).</summary>
    public DateTimeOffset LastModified { get; }

    public string ETag(string? encoding) => encoding switch
    {
        "br" => ETagBrotli,
        "gzip" => ETagGzip,
        _ => ETagIdentity,
    };

    // Header values are computed once per rebuild, so serving a poll allocates next to nothing.
    public string ETagIdentity => field ??= $"\"{Hash}\"";
    public string ETagGzip => field ??= $"\"{Hash}-gz\"";
    public string ETagBrotli => field ??= $"\"{Hash}-br\"";
    public string LastModifiedHttp => field ??= LastModified.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A document for <paramref name="bytes"/>; keeps the previous Last-Modified when the bytes did not change.</summary>
    public static FeedDocument Create(RenderedFeed feed, FeedDocument? previous, DateTimeOffset now)
    {
        var hash = HashOf(feed.Bytes);
        if (previous is not null && previous.Hash == hash)
            return previous;
        var seconds = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        return new FeedDocument(feed, hash, seconds);
    }

    /// <summary>A document whose Last-Modified is given (e.g. recovered from the mirror file after a restart).</summary>
    public static FeedDocument Restore(RenderedFeed feed, DateTimeOffset lastModified)
    {
        var hash = HashOf(feed.Bytes);
        var seconds = new DateTimeOffset(lastModified.UtcTicks - lastModified.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        return new FeedDocument(feed, hash, seconds);
    }

    public static string HashOf(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..32];

    private static byte[] Compress(byte[] bytes, Func<Stream, Stream> compressor)
    {
        using var buffer = new MemoryStream();
        using (var stream = compressor(buffer))
            stream.Write(bytes);
        return buffer.ToArray();
    }
}
