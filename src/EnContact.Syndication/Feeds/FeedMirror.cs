using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// Writes the feed files to a folder for nginx or a CDN: each file is written to a temporary name
/// in the same folder and renamed over the old one, so a reader never sees a half-written feed.
/// The file's modification time is the feed's Last-Modified, which also lets a restart keep it.
/// </summary>
public sealed partial class FeedMirror(IOptions<FeedsOptions> options, ILogger<FeedMirror> logger)
{
    public string? Folder => string.IsNullOrWhiteSpace(options.Value.MirrorPath) ? null : options.Value.MirrorPath;

    /// <summary>
    /// Writes the documents whose bytes differ from the files in <paramref name="folder"/> (only those in
    /// <paramref name="changed"/> when given: the others are known to be on disk already); removes feed
    /// files no longer published, unless <paramref name="removeStale"/> is false (no feed went away since
    /// the folder was last brought up to date).
    /// </summary>
    public static async Task<int> WriteAsync(string folder, IReadOnlyCollection<FeedDocument> documents, CancellationToken cancellationToken,
        IReadOnlySet<FeedDocument>? changed = null, bool removeStale = true)
    {
        var written = 0;
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            var target = Path.Combine(folder, document.Path);
            expected.Add(Path.GetFullPath(target));
            if (changed is not null && !changed.Contains(document))
                continue;
            if (File.Exists(target) && new FileInfo(target).Length == document.Identity.Length
                && FeedDocument.HashOf(await File.ReadAllBytesAsync(target, cancellationToken)) == document.Hash)
                continue;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temporary = target + ".tmp-" + Guid.NewGuid().ToString("N");
            await File.WriteAllBytesAsync(temporary, document.Identity, cancellationToken);
            File.SetLastWriteTimeUtc(temporary, document.LastModified.UtcDateTime);
            File.Move(temporary, target, overwrite: true);
            written++;
        }

        if (!removeStale)
            return written;
        // Only files this gateway could have written are removed: the folder may be shared with other content.
        foreach (var stale in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                     .Where(f => IsFeedFile(Path.GetRelativePath(folder, f).Replace('\\', '/')) && !expected.Contains(Path.GetFullPath(f))))
            File.Delete(stale);
        return written;
    }

    /// <summary>The Last-Modified recorded by an earlier run for a document with these exact bytes, if any.</summary>
    public DateTimeOffset? PreviousLastModified(RenderedFeed feed)
    {
        if (Folder is null)
            return null;
        var path = Path.Combine(Folder, feed.Path);
        try
        {
            if (!File.Exists(path) || new FileInfo(path).Length != feed.Bytes.Length || !File.ReadAllBytes(path).AsSpan().SequenceEqual(feed.Bytes))
                return null;
            return new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
        }
        catch (IOException e)
        {
            logger.LogDebug(e, "Could not read mirrored feed {Path}", path);
            return null;
        }
    }

    private static bool IsFeedFile(string relativePath) => FeedFileName().IsMatch(relativePath);

    [System.Text.RegularExpressions.GeneratedRegex(@"^(all|sections/[a-z0-9-]+|tags/[a-z0-9-]+|archive/\d{4}-\d{2})\.(rss|atom|json)$")]
    private static partial System.Text.RegularExpressions.Regex FeedFileName();
}
