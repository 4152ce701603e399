using System.Diagnostics;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Ingestion;

/// <summary>
/// Brings the store in line with a content folder. An unchanged file (same bytes as last ingested)
/// costs a read and a hash and writes nothing; a broken file is recorded as a problem and leaves the
/// article's last good version untouched; a file that moved keeps its article's id.
/// Files are found (<see cref="ContentPaths"/>), read and normalised in parallel
/// (<see cref="ScanFileReader"/>), then applied to the store in order, in batches.
/// </summary>
public sealed class ContentScanner(
    Database connections,
    ArticleStore articles,
    ContentSourceStore sources,
    ArticleNormalizer normalizer,
    ScanFileReader reader,
    IOptions<IngestionOptions> options,
    ILogger<ContentScanner> logger,
    IngestionMetrics? metrics = null)
{
    private const int BatchSize = 500;
    private const int ChunkSize = 256;
    private const int ProgressEvery = 2000;

    /// <summary>One scan's state: what the store knew when it began, what is gone, and what it did so far.</summary>
    private sealed class Scan(ScanKnowledge knowledge, List<string> gone, ScanBatch batch)
    {
        public ScanKnowledge Knowledge { get; } = knowledge;
        public List<string> Gone { get; } = gone;
        /// <summary>Gone paths a present file turned out to be the new name of.</summary>
        public HashSet<string> Renamed { get; } = new(StringComparer.Ordinal);
        public ScanBatch Batch { get; } = batch;
        public ScanTally Tally { get; } = new();
    }

    public async Task<ScanReport> ScanAsync(string root, ScanMode mode, IReadOnlyCollection<string>? changedPaths, CancellationToken cancellationToken)
    {
        using var activity = IngestionMetrics.Activities.StartActivity("ingestion scan");
        activity?.SetTag("encontact.ingestion.mode", mode.ToString());
        var clock = Stopwatch.StartNew();
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"content folder '{root}' does not exist");

        await using var connection = await connections.OpenAsync(cancellationToken);
        var known = await sources.LoadSourceFilesAsync(connection, cancellationToken);
        var problemHashes = await sources.LoadProblemHashesAsync(connection, cancellationToken);
        var tracked = known.Keys.Concat(problemHashes.Keys.Select(ContentPaths.PathOf).OfType<string>()).ToHashSet(StringComparer.Ordinal);
        var (present, gone) = ContentPaths.Find(root, mode, changedPaths, tracked);
        var goneByHash = gone.Where(known.ContainsKey).GroupBy(p => known[p].FileHash).ToDictionary(g => g.Key, g => g.First());

        await using var batch = new ScanBatch(connections, connection, articles, problemHashes.Keys.ToHashSet(StringComparer.Ordinal));
        var scan = new Scan(new ScanKnowledge(known, problemHashes, goneByHash), gone, batch);
        await ApplyPresentAsync(root, present, scan, cancellationToken);
        foreach (var path in gone.Where(p => !scan.Renamed.Contains(p)))
            await RemoveAsync(scan, path, cancellationToken);
        await batch.CommitAsync(cancellationToken);

        var result = scan.Tally.ToReport(present.Count, clock.Elapsed);
        metrics?.Scanned(result);
        activity?.SetTag("encontact.ingestion.files", result.Files);
        activity?.SetTag("encontact.ingestion.written", result.Created + result.Updated + result.Renamed + result.Deleted);
        activity?.SetTag("encontact.ingestion.problems", result.Problems);
        var level = result.Created + result.Updated + result.Renamed + result.Deleted + result.Problems > 0 || mode != ScanMode.Changes
            ? LogLevel.Information : LogLevel.Debug;
        logger.Log(level, "Scanned {Root} ({Mode}): {Report}", root, mode, result);
        return result;
    }

    /// <summary>
    /// Files are read and parsed in parallel a chunk at a time, then written in order; the next chunk is
    /// read and parsed while this one is written, so the cores parse while SQLite writes. Memory stays
    /// flat however large the folder is (two chunks at most).
    /// </summary>
    private async Task ApplyPresentAsync(string root, List<string> present, Scan scan, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxFileBytes;
        var next = present.Count > 0 ? ReadChunkAsync(root, present, 0, maxBytes, scan.Knowledge, cancellationToken) : null;
        try
        {
            for (var start = 0; start < present.Count; start += ChunkSize)
            {
                var outcomes = await next!;
                next = start + ChunkSize < present.Count ? ReadChunkAsync(root, present, start + ChunkSize, maxBytes, scan.Knowledge, cancellationToken) : null;
                foreach (var outcome in outcomes)
                {
                    await ApplyAsync(scan, outcome, cancellationToken);
                    if (++scan.Tally.Files % ProgressEvery == 0)
                        logger.LogInformation("Ingesting {Root}: {Done}/{Total} files", root, scan.Tally.Files, present.Count);
                    if (scan.Batch.Operations >= BatchSize)
                        await scan.Batch.CommitAsync(cancellationToken);
                }
            }
        }
        finally
        {
            // A write that failed leaves the chunk being read: it must end before the scan's caller goes on.
            if (next is not null)
                await next.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Reads, hashes and parses the files of one chunk on every core (none of it touches the store).</summary>
    private Task<FileOutcome[]> ReadChunkAsync(string root, List<string> present, int start, int maxBytes, ScanKnowledge knowledge, CancellationToken cancellationToken) =>
        Task.Run(async () =>
        {
            var outcomes = new FileOutcome[Math.Min(ChunkSize, present.Count - start)];
            await Parallel.ForAsync(0, outcomes.Length,
                new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
                async (i, ct) => outcomes[i] = await reader.ReadAsync(root, present[start + i], maxBytes, knowledge, ct));
            return outcomes;
        }, cancellationToken);

    /// <summary>One file's outcome, applied: nothing for an unchanged or still broken file, a problem, or the article saved.</summary>
    private async Task ApplyAsync(Scan scan, FileOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Unchanged)
        {
            scan.Tally.Unchanged++;
            return;
        }
        if (outcome.StillBroken)
        {
            scan.Tally.Problems++;
            return;
        }
        if (outcome.Result is not { IsValid: true } result)
        {
            await RecordProblemAsync(scan, outcome, ProblemLineOf(outcome), ProblemOf(outcome), cancellationToken);
            return;
        }
        foreach (var warning in result.Warnings)
            logger.LogWarning("{File}: {Warning}", outcome.Path, warning);

        await scan.Batch.EnsureOpenAsync(cancellationToken);
        if (await ResolveIdAsync(scan, outcome, result, cancellationToken) is not { } resolved)
            return;
        var (article, existing, stored) = resolved;

        SaveOutcome saved;
        try
        {
            (saved, article) = await articles.SaveAsync(scan.Batch.Connection, scan.Batch.Transaction, stored, article, cancellationToken, scan.Batch.Commands);
        }
        catch (SlugConflictException e)
        {
            await RecordProblemAsync(scan, outcome, LineOf(outcome.Draft!, "slug") ?? LineOf(outcome.Draft!, "title"), $"slug: {e.Message}", cancellationToken);
            return;
        }
        scan.Batch.Track(article.Version);

        await ForgetReplacedArticleAsync(scan, outcome, article, cancellationToken);
        var renamedFrom = await ClaimRenameAsync(scan, outcome, article, existing, cancellationToken);
        await RememberSourceAsync(scan, outcome, article, cancellationToken);
        Tally(scan, outcome, article, saved, renamed: renamedFrom is not null);
    }

    /// <summary>
    /// The article under the id the file resolved to, settled against what the store holds; null when
    /// that id belongs to another live source and the file named it (a problem). A derived id taken by
    /// another file moves to the first free "-2", "-3"… suffix, chosen once and then remembered.
    /// Stored is the row under the article's id, read in the scan's transaction (the save needs it too).
    /// </summary>
    private async Task<(Article Article, Article? Existing, Article? Stored)?> ResolveIdAsync(Scan scan, FileOutcome outcome, NormalizationResult result, CancellationToken cancellationToken)
    {
        var source = ContentPaths.SourceOf(outcome.Path);
        var id = result.Article!.Id;
        var existing = await articles.GetAsync(scan.Batch.Connection, scan.Batch.Transaction, id, cancellationToken, scan.Batch.Commands);
        var stored = existing;
        if (existing is not null && existing.Status != ArticleStatus.Deleted && existing.Source != source && !IsMovingAway(existing.Source, scan.Gone))
        {
            if (outcome.IdFromFile)
            {
                await RecordProblemAsync(scan, outcome, LineOf(outcome.Draft!, "id"), $"id: '{id}' is already used by {Describe(existing.Source)}", cancellationToken);
                return null;
            }
            (result, stored) = await FreeDerivedIdAsync(scan, outcome, id, source, cancellationToken);
            existing = null;
        }
        return (normalizer.Settle(result, stored), existing, stored);
    }

    /// <summary>The draft normalised under the first free suffixed id, and the article stored under that id, if any.</summary>
    private async Task<(NormalizationResult Result, Article? Holder)> FreeDerivedIdAsync(Scan scan, FileOutcome outcome, string id, string source, CancellationToken cancellationToken)
    {
        for (var n = 2; ; n++)
        {
            var candidate = $"{id}-{n}";
            var holder = await articles.GetAsync(scan.Batch.Connection, scan.Batch.Transaction, candidate, cancellationToken);
            if (holder is null || holder.Status == ArticleStatus.Deleted || holder.Source == source)
                return (normalizer.Normalize(outcome.Draft!, candidate, source), holder);
        }
    }

    /// <summary>The file now names another id: the article it used to feed has lost its source.</summary>
    private async Task ForgetReplacedArticleAsync(Scan scan, FileOutcome outcome, Article article, CancellationToken cancellationToken)
    {
        if (scan.Knowledge.Known.TryGetValue(outcome.Path, out var previous) && previous.ArticleId != article.Id
            && await articles.MarkDeletedAsync(scan.Batch.Connection, scan.Batch.Transaction, previous.ArticleId, cancellationToken) is { } version)
            scan.Batch.Track(version);
    }

    /// <summary>When the article came from a file that is gone, this file is its new name: the old path is forgotten, not deleted. Returns the old path.</summary>
    private async Task<string?> ClaimRenameAsync(Scan scan, FileOutcome outcome, Article article, Article? existing, CancellationToken cancellationToken)
    {
        var source = ContentPaths.SourceOf(outcome.Path);
        var renamedFrom = existing is not null && existing.Source != source && existing.IsFromFile ? ContentPaths.PathOf(existing.Source) : null;
        if (renamedFrom is null || !scan.Gone.Contains(renamedFrom))
            return null;
        scan.Renamed.Add(renamedFrom);
        await sources.DeleteSourceFileAsync(scan.Batch.Connection, scan.Batch.Transaction, renamedFrom, cancellationToken);
        await sources.ClearProblemAsync(scan.Batch.Connection, scan.Batch.Transaction, ContentPaths.SourceOf(renamedFrom), cancellationToken);
        scan.Tally.Renamed++;
        logger.LogInformation("Article {Id} moved from {From} to {To}; its id is kept", article.Id, renamedFrom, outcome.Path);
        return renamedFrom;
    }

    /// <summary>The file, its hash and its article, so the next scan knows it unchanged; any earlier problem of the file is gone.</summary>
    private async Task RememberSourceAsync(Scan scan, FileOutcome outcome, Article article, CancellationToken cancellationToken)
    {
        var source = ContentPaths.SourceOf(outcome.Path);
        await sources.UpsertSourceFileAsync(scan.Batch.Connection, scan.Batch.Transaction,
            new ContentSourceStore.SourceFile(outcome.Path, article.Id, outcome.Hash, outcome.Size), cancellationToken, scan.Batch.Commands);
        if (scan.Batch.HadProblem(source))
            await sources.ClearProblemAsync(scan.Batch.Connection, scan.Batch.Transaction, source, cancellationToken);
        scan.Batch.Operations++;
    }

    private void Tally(Scan scan, FileOutcome outcome, Article article, SaveOutcome saved, bool renamed)
    {
        switch (saved)
        {
            case SaveOutcome.Created:
                scan.Tally.Created++;
                logger.LogDebug("Created article {Id} from {File} ({Status})", article.Id, outcome.Path, article.Status);
                break;
            case SaveOutcome.Updated:
                scan.Tally.Updated++;
                logger.LogInformation("Updated article {Id} from {File} ({Status})", article.Id, outcome.Path, article.Status);
                break;
            default:
                if (!renamed)
                    scan.Tally.Unchanged++;
                break;
        }
    }

    /// <summary>A known file that is gone: its article is marked deleted (if the file still fed it), and its problem forgotten.</summary>
    private async Task RemoveAsync(Scan scan, string path, CancellationToken cancellationToken)
    {
        var batch = scan.Batch;
        await batch.EnsureOpenAsync(cancellationToken);
        if (scan.Knowledge.Known.TryGetValue(path, out var file))
        {
            var article = await articles.GetAsync(batch.Connection, batch.Transaction, file.ArticleId, cancellationToken);
            if (article is not null && article.Source == ContentPaths.SourceOf(path)
                && await articles.MarkDeletedAsync(batch.Connection, batch.Transaction, file.ArticleId, cancellationToken) is { } version)
            {
                batch.Track(version);
                scan.Tally.Deleted++;
                logger.LogInformation("Article {Id} marked deleted: its file {File} is gone", file.ArticleId, path);
            }
            await sources.DeleteSourceFileAsync(batch.Connection, batch.Transaction, path, cancellationToken);
        }
        if (batch.HadProblem(ContentPaths.SourceOf(path)))
            await sources.ClearProblemAsync(batch.Connection, batch.Transaction, ContentPaths.SourceOf(path), cancellationToken);
        batch.Operations++;
    }

    private async Task RecordProblemAsync(Scan scan, FileOutcome outcome, int? line, string reason, CancellationToken cancellationToken)
    {
        await scan.Batch.EnsureOpenAsync(cancellationToken);
        scan.Tally.Problems++;
        scan.Batch.Operations++;
        metrics?.Problem(IngestionMetrics.FolderSource);
        logger.LogWarning("Skipped {File}{Line}: {Reason}; its last good version, if any, stays published",
            outcome.Path, line is null ? "" : $" line {line}", reason);
        await sources.RecordProblemAsync(scan.Batch.Connection, scan.Batch.Transaction, ContentPaths.SourceOf(outcome.Path), line, reason, outcome.Hash, cancellationToken);
    }

    /// <summary>The reader's problem, or the normaliser's errors ("field: message (line n)").</summary>
    private static string ProblemOf(FileOutcome outcome)
    {
        if (outcome.Problem is { } problem)
            return problem;
        var errors = outcome.Result?.Errors ?? [];
        return errors.Count == 1
            ? $"{errors[0].Field}: {errors[0].Message}"
            : string.Join("; ", errors.Select(e => e.Line is null ? $"{e.Field}: {e.Message}" : $"{e.Field}: {e.Message} (line {e.Line})"));
    }

    private static int? ProblemLineOf(FileOutcome outcome) =>
        outcome.ProblemLine ?? outcome.Result?.Errors.Select(e => e.Line).FirstOrDefault(l => l is not null);

    private static int? LineOf(ArticleDraft draft, string key) => draft.Lines.TryGetValue(key, out var line) ? line : null;

    private static bool IsMovingAway(string source, List<string> gone) => ContentPaths.PathOf(source) is { } path && gone.Contains(path);

    private static string Describe(string source) =>
        ContentPaths.PathOf(source) is { } path ? $"file {path}"
        : source == Article.ApiSource ? "an article created through the admin API"
        : $"an article from {source}"; // an upstream feed's item ("feed:<name>")
}
