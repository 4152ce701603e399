using System.Security.Cryptography;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using Microsoft.Data.Sqlite;

namespace EnContact.Syndication.Benchmarks;

/// <summary>
/// What a rescan cannot avoid, measured on its own: listing the folder, reading every file, hashing it,
/// and loading the hashes the store already knows. Each returns a checksum so no work is optimised away.
/// </summary>
public static class Baselines
{
    /// <summary>The scanner's own enumeration: every file under the folder that <see cref="ContentPaths.IsContentFile"/> accepts, as sorted relative paths.</summary>
    public static List<string> Enumerate(string root)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var full in Directory.EnumerateFiles(root, "*", options))
        {
            var relative = Path.GetRelativePath(root, full).Replace('\\', '/');
            if (ContentPaths.IsContentFile(relative))
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
    public static async Task<Dictionary<string, string>> LoadKnownAsync(Database connections, ContentSourceStore sources, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var known = await sources.LoadSourceFilesAsync(connection, cancellationToken);
        _ = await sources.LoadProblemHashesAsync(connection, cancellationToken);
        return known.ToDictionary(k => k.Key, k => k.Value.FileHash, StringComparer.Ordinal);
    }

    /// <summary>One file made ready for the store, as the scanner would before writing it.</summary>
    public sealed record Prepared(string Path, string Hash, long Size, Article Article);

    /// <summary>
    /// The CPU half of an import without the store: read, hash, parse the front matter and normalise
    /// (Markdown → HTML, sanitising, summary, content hash) every file on all cores, as the scanner does
    /// for a new or changed file. Returns the articles, in path order, for <see cref="WriteAllAsync"/>.
    /// </summary>
    public static async Task<Prepared?[]> ParseAndNormalizeParallelAsync(string root, ArticleNormalizer normalizer, CancellationToken cancellationToken)
    {
        var files = Enumerate(root);
        var prepared = new Prepared?[files.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count),
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (i, ct) =>
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(root, files[i]), ct);
                var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
                var parsed = FrontMatterParser.Parse(bytes);
                if (parsed.Draft is null)
                    return;
                var result = normalizer.Normalize(parsed.Draft, ContentPaths.DerivedId(files[i]), ContentPaths.SourceOf(files[i]));
                if (result.Article is { } article)
                    prepared[i] = new Prepared(files[i], hash, bytes.Length, article);
            });
        return prepared;
    }

    /// <summary>
    /// The SQLite half of an import without the files: the statements the scanner runs for each new
    /// article (look-up by id, <see cref="ArticleStore"/> save with its slug check and version bump,
    /// source-file upsert, problem clear), one connection, a commit every 500 articles.
    /// </summary>
    public static async Task<int> WriteAllAsync(ArticleStore articles, ContentSourceStore sources, Database connections,
        IReadOnlyList<Prepared> prepared, CancellationToken cancellationToken)
    {
        const int batchSize = 500;
        var created = 0;
        long version = 0;
        await using var connection = await connections.OpenAsync(cancellationToken);
        SqliteTransaction? transaction = null;
        try
        {
            var operations = 0;
            foreach (var item in prepared)
            {
                transaction ??= (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
                _ = await articles.GetAsync(connection, transaction, item.Article.Id, cancellationToken);
                var (outcome, stored) = await articles.SaveAsync(connection, transaction, item.Article, cancellationToken);
                if (outcome == SaveOutcome.Created)
                    created++;
                version = Math.Max(version, stored.Version);
                await sources.UpsertSourceFileAsync(connection, transaction, new ContentSourceStore.SourceFile(item.Path, stored.Id, item.Hash, item.Size), cancellationToken);
                await sources.ClearProblemAsync(connection, transaction, ContentPaths.SourceOf(item.Path), cancellationToken);
                if (++operations >= batchSize)
                {
                    await transaction.CommitAsync(cancellationToken);
                    await transaction.DisposeAsync();
                    transaction = null;
                    operations = 0;
                    await articles.AnnounceAsync(version, cancellationToken);
                }
            }
            if (transaction is not null)
                await transaction.CommitAsync(cancellationToken);
            await articles.AnnounceAsync(version, cancellationToken);
        }
        finally
        {
            if (transaction is not null)
                await transaction.DisposeAsync();
        }
        return created;
    }
}
