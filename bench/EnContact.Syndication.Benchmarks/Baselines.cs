using System.Security.Cryptography;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Benchmarks;

/// <summary>
/// What a rescan cannot avoid, measured on its own: listing the folder, reading every file, hashing it,
/// and loading the hashes the store already knows. Each returns a checksum so no work is optimised away.
/// </summary>
public static class Baselines
{
    /// <summary>The scanner's own enumeration: every file under the folder that <see cref="ContentScanner.IsContentFile"/> accepts, as sorted relative paths.</summary>
    public static List<string> Enumerate(string root)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var full in Directory.EnumerateFiles(root, "*", options))
        {
            var relative = Path.GetRelativePath(root, full).Replace('\\', '/');
            if (ContentScanner.IsContentFile(relative))
                files.Add(relative);
        }
        return files.ToList();
    }

    /// <summary>Plain read, one thread: enumerate, then <c>File.ReadAllBytes</c> every file.</summary>
    public static long Read(string root)
    {
        long bytes = 0;
        foreach (var path in Enumerate(root))
            bytes += File.ReadAllBytes(Path.Combine(root, path)).Length;
        return bytes;
    }

    /// <summary>Read and SHA-256 (as lowercase hex, like the scanner), one thread.</summary>
    public static long ReadAndHash(string root)
    {
        long checksum = 0;
        foreach (var path in Enumerate(root))
        {
            var bytes = File.ReadAllBytes(Path.Combine(root, path));
            checksum += Convert.ToHexStringLower(SHA256.HashData(bytes))[0];
        }
        return checksum;
    }

    /// <summary>
    /// The scanner's read phase without the store: the same enumeration, then one task per file on
    /// all cores (<c>Parallel.ForEachAsync</c>), a size check, <c>File.ReadAllBytesAsync</c>, SHA-256 and
    /// a lookup of the hash in <paramref name="known"/> (empty when null).
    /// </summary>
    public static async Task<int> ReadAndHashParallelAsync(string root, IReadOnlyDictionary<string, string>? known, CancellationToken cancellationToken)
    {
        var files = Enumerate(root);
        var same = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count),
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (i, ct) =>
            {
                var full = Path.Combine(root, files[i]);
                if (new FileInfo(full).Length > int.MaxValue)
                    return;
                var bytes = await File.ReadAllBytesAsync(full, ct);
                var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (known is not null && known.TryGetValue(files[i], out var previous) && previous == hash)
                    Interlocked.Increment(ref same);
            });
        return same;
    }

    /// <summary>What a scan loads from SQLite before it reads a file: a connection (with its pragmas), the known files and the problem hashes.</summary>
    public static async Task<Dictionary<string, string>> LoadKnownAsync(SqliteConnectionFactory connections, ContentSourceStore sources, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var known = await sources.LoadSourceFilesAsync(connection, cancellationToken);
        _ = await sources.LoadProblemHashesAsync(connection, cancellationToken);
        return known.ToDictionary(k => k.Key, k => k.Value.FileHash, StringComparer.Ordinal);
    }

    /// <summary>
    /// The CPU half of an import without the store: read, parse the front matter and normalise
    /// (Markdown → HTML, sanitising, summary, content hash) every file on all cores, as the scanner does
    /// for a new or changed file. An import's remaining time is its SQLite writes.
    /// </summary>
    public static async Task<int> ParseAndNormalizeParallelAsync(string root, ArticleNormalizer normalizer, CancellationToken cancellationToken)
    {
        var files = Enumerate(root);
        var valid = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count),
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (i, ct) =>
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(root, files[i]), ct);
                _ = Convert.ToHexStringLower(SHA256.HashData(bytes));
                var parsed = FrontMatterParser.Parse(bytes);
                if (parsed.Draft is null)
                    return;
                var result = normalizer.Normalize(parsed.Draft, ContentScanner.DerivedId(files[i]), ContentScanner.SourceOf(files[i]));
                if (result.IsValid)
                    Interlocked.Increment(ref valid);
            });
        return valid;
    }
}
