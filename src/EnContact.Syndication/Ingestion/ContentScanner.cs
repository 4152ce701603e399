using System.Diagnostics;
using System.Security.Cryptography;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Ingestion;

/// <summary>How much of a content folder a scan looks at, and whether missing files count as deleted.</summary>
public enum ScanMode
{
    /// <summary>Every file; a known file that is gone marks its article deleted.</summary>
    Full,
    /// <summary>Only the paths a change event named (files or folders, present or gone).</summary>
    Changes,
    /// <summary>Every file of a folder given to the <c>import</c> verb; nothing is marked deleted.</summary>
    Import,
}

/// <summary>What a scan did.</summary>
public sealed record ScanReport(int Files, int Unchanged, int Created, int Updated, int Renamed, int Deleted, int Problems, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{Files} files: {Created} created, {Updated} updated, {Renamed} renamed, {Deleted} deleted, {Unchanged} unchanged, {Problems} with problems, in {Elapsed.TotalMilliseconds:0} ms";
}

/// <summary>
/// Brings the store in line with a content folder. An unchanged file (same bytes as last ingested)
/// costs a read and a hash and writes nothing; a broken file is recorded as a problem and leaves the
/// article's last good version untouched; a file that moved keeps its article's id.
/// </summary>
public sealed class ContentScanner(
    SqliteConnectionFactory connections,
    ArticleStore articles,
    ContentSourceStore sources,
    ArticleNormalizer normalizer,
    IOptions<IngestionOptions> options,
    ILogger<ContentScanner> logger)
{
    private const int BatchSize = 500;
    private const int ChunkSize = 256;
    private const int ProgressEvery = 2000;

    private sealed record FileOutcome(string Path, string Hash, long Size)
    {
        public bool Unchanged { get; init; }
        public bool StillBroken { get; init; }
        public string? Problem { get; init; }
        public int? ProblemLine { get; init; }
        public ArticleDraft? Draft { get; init; }
        public string? ArticleId { get; init; }
        public bool IdFromFile { get; init; }
        public NormalizationResult? Result { get; init; }
    }

    public static string SourceOf(string relativePath) => Article.FileSourcePrefix + relativePath;

    private static bool IsFileSource(string source) => source.StartsWith(Article.FileSourcePrefix, StringComparison.Ordinal);

    public async Task<ScanReport> ScanAsync(string root, ScanMode mode, IReadOnlyCollection<string>? changedPaths, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"content folder '{root}' does not exist");

        await using var connection = await connections.OpenAsync(cancellationToken);
        var known = await sources.LoadSourceFilesAsync(connection, cancellationToken);
        var problemHashes = await sources.LoadProblemHashesAsync(connection, cancellationToken);

        // Files the store knows: ingested ones, and broken ones whose problem must go when they do.
        var tracked = known.Keys.Concat(problemHashes.Keys.Where(IsFileSource).Select(s => s[Article.FileSourcePrefix.Length..])).ToHashSet(StringComparer.Ordinal);
        var (present, gone) = FindFiles(root, mode, changedPaths, tracked);
        var goneByHash = gone.Where(known.ContainsKey).GroupBy(p => known[p].FileHash).ToDictionary(g => g.Key, g => g.First());

        var maxBytes = options.Value.MaxFileBytes;
        var report = new Counter();
        var claimedGone = new HashSet<string>(StringComparer.Ordinal);
        var batch = new Batch(connection, articles, problemHashes.Keys.ToHashSet(StringComparer.Ordinal));
        try
        {
            // Files are read and parsed in parallel a chunk at a time, then written in order: memory
            // stays flat however large the folder is, and both cores work on the parsing.
            var outcomes = new FileOutcome[Math.Min(ChunkSize, present.Count)];
            for (var start = 0; start < present.Count; start += ChunkSize)
            {
                var count = Math.Min(ChunkSize, present.Count - start);
                await Parallel.ForEachAsync(Enumerable.Range(0, count),
                    new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
                    async (i, ct) => outcomes[i] = await ReadAsync(root, present[start + i], maxBytes, known, problemHashes, goneByHash, ct));

                for (var i = 0; i < count; i++)
                {
                    await ApplyAsync(batch, outcomes[i], known, gone, claimedGone, report, cancellationToken);
                    if (++report.Files % ProgressEvery == 0)
                        logger.LogInformation("Ingesting {Root}: {Done}/{Total} files", root, report.Files, present.Count);
                    if (batch.Operations >= BatchSize)
                        await batch.CommitAsync(cancellationToken);
                }
                Array.Clear(outcomes);
            }

            foreach (var path in gone.Where(p => !claimedGone.Contains(p)))
            {
                await batch.EnsureOpenAsync(cancellationToken);
                await RemoveAsync(batch, path, known, report, cancellationToken);
            }
            await batch.CommitAsync(cancellationToken);
        }
        finally
        {
            await batch.DisposeAsync();
        }

        var result = new ScanReport(present.Count, report.Unchanged, report.Created, report.Updated, report.Renamed, report.Deleted, report.Problems, clock.Elapsed);
        var level = result.Created + result.Updated + result.Renamed + result.Deleted + result.Problems > 0 || mode != ScanMode.Changes
            ? LogLevel.Information : LogLevel.Debug;
        logger.Log(level, "Scanned {Root} ({Mode}): {Report}", root, mode, result);
        return result;
    }

    private static (List<string> Present, List<string> Gone) FindFiles(
        string root, ScanMode mode, IReadOnlyCollection<string>? changedPaths, HashSet<string> tracked)
    {
        var present = new SortedSet<string>(StringComparer.Ordinal);
        var gone = new SortedSet<string>(StringComparer.Ordinal);
        if (mode == ScanMode.Changes)
        {
            foreach (var full in changedPaths ?? [])
            {
                var path = Path.GetFullPath(full, root);
                var relative = Relative(root, path);
                if (relative.StartsWith("../", StringComparison.Ordinal) || relative == "..")
                    continue;
                if (ContentFiles.IsLink(path))
                {
                    present.Add(relative); // reported, never followed
                }
                else if (File.Exists(path))
                {
                    if (IsContentFile(relative))
                        present.Add(relative);
                }
                else if (Directory.Exists(path))
                {
                    present.UnionWith(ContentFiles.Enumerate(root, path));
                }
                else
                {
                    var prefix = relative == "." ? "" : relative + "/";
                    gone.UnionWith(tracked.Where(k => k == relative || k.StartsWith(prefix, StringComparison.Ordinal)));
                }
            }
            gone.ExceptWith(present);
        }
        else
        {
            present.UnionWith(ContentFiles.Enumerate(root, root));
            if (mode == ScanMode.Full)
                gone.UnionWith(tracked.Where(k => !present.Contains(k)));
        }

        return (present.ToList(), gone.ToList());
    }

    /// <summary>Markdown files, except README.md and anything whose name or folder starts with '.' or '_'.</summary>
    public static bool IsContentFile(string relativePath)
    {
        var segments = relativePath.Split('/');
        if (segments.Any(s => s.StartsWith('.') || s.StartsWith('_')))
            return false;
        var name = segments[^1];
        return !name.Equals("README.md", StringComparison.OrdinalIgnoreCase)
            && (name.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".markdown", StringComparison.OrdinalIgnoreCase));
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    private async Task<FileOutcome> ReadAsync(
        string root, string path, int maxBytes,
        Dictionary<string, ContentSourceStore.SourceFile> known,
        Dictionary<string, string?> problemHashes,
        Dictionary<string, string> goneByHash,
        CancellationToken cancellationToken)
    {
        var read = await ContentFiles.ReadAsync(root, path, maxBytes, cancellationToken);
        if (read.Bytes is not { } bytes)
        {
            return new FileOutcome(path, read.Marker, read.Size)
            {
                StillBroken = problemHashes.TryGetValue(SourceOf(path), out var h) && h == read.Marker,
                Problem = read.Problem,
            };
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var outcome = new FileOutcome(path, hash, bytes.Length);
        if (known.TryGetValue(path, out var previous) && previous.FileHash == hash)
            return outcome with { Unchanged = true };
        if (problemHashes.TryGetValue(SourceOf(path), out var brokenHash) && brokenHash == hash)
            return outcome with { StillBroken = true };

        try
        {
            return ParseAndNormalize(path, bytes, outcome, previous, known, goneByHash);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One unreadable file must not stop the scan of the others.
            logger.LogError(e, "Unexpected failure reading {File}", path);
            return outcome with { Problem = $"the file could not be processed ({e.GetType().Name}: {e.Message})" };
        }
    }

    private FileOutcome ParseAndNormalize(
        string path, byte[] bytes, FileOutcome outcome, ContentSourceStore.SourceFile? previous,
        Dictionary<string, ContentSourceStore.SourceFile> known, Dictionary<string, string> goneByHash)
    {
        var hash = outcome.Hash;
        var parsed = FrontMatterParser.Parse(bytes);
        foreach (var warning in parsed.Warnings)
            logger.LogWarning("{File}: {Warning}", path, warning);
        if (parsed.Draft is null)
            return outcome with { Problem = parsed.Problem, ProblemLine = parsed.ProblemLine };

        var idFromFile = parsed.Draft.Id is not null;
        var id = parsed.Draft.Id
            ?? previous?.ArticleId
            ?? (goneByHash.TryGetValue(hash, out var movedFrom) ? known[movedFrom].ArticleId : null)
            ?? DerivedId(path);
        return outcome with
        {
            Draft = parsed.Draft,
            ArticleId = id,
            IdFromFile = idFromFile,
            Result = normalizer.Normalize(parsed.Draft, id, SourceOf(path)),
        };
    }

    /// <summary>The id a file gets on first ingestion when its front matter has none: its path, as a slug ("2026/ia-et-crm.md" → "2026-ia-et-crm").</summary>
    public static string DerivedId(string relativePath)
    {
        var withoutExtension = relativePath[..relativePath.LastIndexOf('.')];
        var id = Slugs.From(withoutExtension);
        return id.Length == 0 ? "article" : id.Length > 90 ? id[..90].TrimEnd('-') : id;
    }

    private async Task ApplyAsync(
        Batch batch, FileOutcome outcome,
        Dictionary<string, ContentSourceStore.SourceFile> known,
        List<string> gone, HashSet<string> claimedGone, Counter report, CancellationToken cancellationToken)
    {
        var source = SourceOf(outcome.Path);
        if (outcome.Unchanged)
        {
            report.Unchanged++;
            return;
        }
        if (outcome.StillBroken)
        {
            report.Problems++;
            return;
        }
        if (outcome.Result is not { IsValid: true } result)
        {
            var errors = outcome.Result?.Errors ?? [];
            var reason = outcome.Problem ?? (errors.Count == 1
                ? $"{errors[0].Field}: {errors[0].Message}"
                : string.Join("; ", errors.Select(e => e.Line is null ? $"{e.Field}: {e.Message}" : $"{e.Field}: {e.Message} (line {e.Line})")));
            var line = outcome.ProblemLine ?? outcome.Result?.Errors.Select(e => e.Line).FirstOrDefault(l => l is not null);
            await RecordProblemAsync(batch, outcome, line, reason, report, cancellationToken);
            return;
        }

        foreach (var warning in result.Warnings)
            logger.LogWarning("{File}: {Warning}", outcome.Path, warning);

        await batch.EnsureOpenAsync(cancellationToken);
        var id = result.Article!.Id;
        var existing = await articles.GetAsync(batch.Connection, batch.Transaction, id, cancellationToken);
        var stored = existing;
        if (existing is not null && existing.Status != ArticleStatus.Deleted && existing.Source != source && !IsMovingAway(existing.Source, gone))
        {
            if (outcome.IdFromFile)
            {
                await RecordProblemAsync(batch, outcome, LineOf(outcome.Draft!, "id"),
                    $"id: '{id}' is already used by {Describe(existing.Source)}", report, cancellationToken);
                return;
            }
            // A derived id taken by another file: the first free "-2", "-3"… suffix, chosen once and then remembered.
            (result, stored) = await FreeDerivedIdAsync(batch, outcome, id, source, cancellationToken);
            existing = null;
        }
        var article = normalizer.Settle(result, stored);

        SaveOutcome saved;
        try
        {
            (saved, article) = await articles.SaveAsync(batch.Connection, batch.Transaction, article, cancellationToken);
        }
        catch (SlugConflictException e)
        {
            await RecordProblemAsync(batch, outcome, LineOf(outcome.Draft!, "slug") ?? LineOf(outcome.Draft!, "title"),
                $"slug: {e.Message}", report, cancellationToken);
            return;
        }

        batch.Track(article.Version);
        if (known.TryGetValue(outcome.Path, out var previous) && previous.ArticleId != article.Id)
        {
            // The file now names another id: the article it used to feed has lost its source.
            if (await articles.MarkDeletedAsync(batch.Connection, batch.Transaction, previous.ArticleId, cancellationToken) is { } v)
                batch.Track(v);
        }

        var renamedFrom = existing is not null && existing.Source != source && existing.IsFromFile ? existing.Source[Article.FileSourcePrefix.Length..] : null;
        if (renamedFrom is not null && gone.Contains(renamedFrom))
        {
            claimedGone.Add(renamedFrom);
            await sources.DeleteSourceFileAsync(batch.Connection, batch.Transaction, renamedFrom, cancellationToken);
            await sources.ClearProblemAsync(batch.Connection, batch.Transaction, SourceOf(renamedFrom), cancellationToken);
            report.Renamed++;
            logger.LogInformation("Article {Id} moved from {From} to {To}; its id is kept", article.Id, renamedFrom, outcome.Path);
        }

        await sources.UpsertSourceFileAsync(batch.Connection, batch.Transaction, new ContentSourceStore.SourceFile(outcome.Path, article.Id, outcome.Hash, outcome.Size), cancellationToken);
        if (batch.HadProblem(source))
            await sources.ClearProblemAsync(batch.Connection, batch.Transaction, source, cancellationToken);
        batch.Operations++;
        switch (saved)
        {
            case SaveOutcome.Created:
                report.Created++;
                logger.LogDebug("Created article {Id} from {File} ({Status})", article.Id, outcome.Path, article.Status);
                break;
            case SaveOutcome.Updated:
                report.Updated++;
                logger.LogInformation("Updated article {Id} from {File} ({Status})", article.Id, outcome.Path, article.Status);
                break;
            default:
                if (renamedFrom is null)
                    report.Unchanged++;
                break;
        }
    }

    /// <summary>The draft normalised under the first free suffixed id, and the article stored under that id, if any.</summary>
    private async Task<(NormalizationResult Result, Article? Holder)> FreeDerivedIdAsync(
        Batch batch, FileOutcome outcome, string id, string source, CancellationToken cancellationToken)
    {
        for (var n = 2; ; n++)
        {
            var candidate = $"{id}-{n}";
            var holder = await articles.GetAsync(batch.Connection, batch.Transaction, candidate, cancellationToken);
            if (holder is null || holder.Status == ArticleStatus.Deleted || holder.Source == source)
                return (normalizer.Normalize(outcome.Draft!, candidate, source), holder);
        }
    }

    private static int? LineOf(ArticleDraft draft, string key) => draft.Lines.TryGetValue(key, out var line) ? line : null;

    private static bool IsMovingAway(string source, List<string> gone) =>
        source.StartsWith(Article.FileSourcePrefix, StringComparison.Ordinal) && gone.Contains(source[Article.FileSourcePrefix.Length..]);

    private static string Describe(string source) =>
        source.StartsWith(Article.FileSourcePrefix, StringComparison.Ordinal) ? $"file {source[Article.FileSourcePrefix.Length..]}" : "an article created through the admin API";

    private async Task RemoveAsync(Batch batch, string path, Dictionary<string, ContentSourceStore.SourceFile> known, Counter report, CancellationToken cancellationToken)
    {
        if (known.TryGetValue(path, out var file))
        {
            var article = await articles.GetAsync(batch.Connection, batch.Transaction, file.ArticleId, cancellationToken);
            if (article is not null && article.Source == SourceOf(path)
                && await articles.MarkDeletedAsync(batch.Connection, batch.Transaction, file.ArticleId, cancellationToken) is { } version)
            {
                batch.Track(version);
                report.Deleted++;
                logger.LogInformation("Article {Id} marked deleted: its file {File} is gone", file.ArticleId, path);
            }
            await sources.DeleteSourceFileAsync(batch.Connection, batch.Transaction, path, cancellationToken);
        }
        if (batch.HadProblem(SourceOf(path)))
            await sources.ClearProblemAsync(batch.Connection, batch.Transaction, SourceOf(path), cancellationToken);
        batch.Operations++;
    }

    private async Task RecordProblemAsync(Batch batch, FileOutcome outcome, int? line, string reason, Counter report, CancellationToken cancellationToken)
    {
        await batch.EnsureOpenAsync(cancellationToken);
        report.Problems++;
        batch.Operations++;
        logger.LogWarning("Skipped {File}{Line}: {Reason}; its last good version, if any, stays published",
            outcome.Path, line is null ? "" : $" line {line}", reason);
        await sources.RecordProblemAsync(batch.Connection, batch.Transaction, SourceOf(outcome.Path), line, reason, outcome.Hash, cancellationToken);
    }

    private sealed class Counter
    {
        public int Files, Unchanged, Created, Updated, Renamed, Deleted, Problems;
    }

    /// <summary>A run of writes committed together; the change notification goes out after each commit.</summary>
    private sealed class Batch(SqliteConnection connection, ArticleStore articles, HashSet<string> sourcesWithProblems) : IAsyncDisposable
    {
        private long _version;

        /// <summary>Whether the source had a recorded problem when the scan began (only those need clearing).</summary>
        public bool HadProblem(string source) => sourcesWithProblems.Contains(source);

        public SqliteConnection Connection => connection;
        public SqliteTransaction Transaction { get; private set; } = null!;
        public int Operations { get; set; }

        public async Task EnsureOpenAsync(CancellationToken cancellationToken)
        {
            if (Transaction is null)
                Transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        }

        public void Track(long version) => _version = Math.Max(_version, version);

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            if (Transaction is null)
                return;
            await Transaction.CommitAsync(cancellationToken);
            await Transaction.DisposeAsync();
            Transaction = null!;
            Operations = 0;
            if (_version > 0)
                articles.Announce(_version);
        }

        public async ValueTask DisposeAsync()
        {
            if (Transaction is not null)
                await Transaction.DisposeAsync();
        }
    }
}
