using System.Collections.Frozen;
using System.Diagnostics;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// Rebuilds the feeds when the article store changes (bursts merged by
/// <see cref="FeedsOptions.RebuildDelay"/>), when a letter is published (the letter feed) and when a
/// month ends (a new archive page), never per request: every feed at first, then only those the
/// articles changed since touch; then mirrors the changed files, swaps the served snapshot and tells
/// the WebSub hub.
/// </summary>
public sealed class FeedPublisher(
    ArticleStore store,
    FeedSetBuilder builder,
    FeedCache cache,
    FeedMirror mirror,
    WebSubNotifier hub,
    MagazineTime magazineTime,
    IOptions<FeedsOptions> options,
    TimeProvider time,
    FeedMetrics metrics,
    ILogger<FeedPublisher> logger,
    ILetterArchive? letters = null) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Build before the server takes requests, so the first poll finds feeds, not a 503.
        try
        {
            await RebuildAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "The first feed build failed; feeds answer 503 until a rebuild succeeds");
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var seen = cache.Current;
            using (var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                try
                {
                    await Task.WhenAny(
                        store.Changes.WaitForChangeAsync(seen.StoreVersion, wake.Token),
                        letters?.Changes.WaitForChangeAsync(seen.LettersVersion, wake.Token) ?? Task.Delay(Timeout.Infinite, wake.Token),
                        Task.Delay(UntilNextMonth(), time, wake.Token));
                }
                finally
                {
                    await wake.CancelAsync();
                }
            }
            stoppingToken.ThrowIfCancellationRequested();
            await Task.Delay(options.Value.RebuildDelay, time, stoppingToken);

            try
            {
                await RebuildAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The previous feeds stay served; the next change or a minute later tries again.
                logger.LogError(e, "Feed rebuild failed; still serving the previous feeds");
                await Task.Delay(TimeSpan.FromMinutes(1), time, stoppingToken);
            }
        }
    }

    /// <summary>Renders all feeds from the store and publishes them. Returns the new snapshot.</summary>
    public async Task<FeedCache.Snapshot> RebuildAsync(CancellationToken cancellationToken)
    {
        using var activity = FeedMetrics.Activities.StartActivity("feeds rebuild");
        var clock = Stopwatch.StartNew();
        try
        {
            var snapshot = await RebuildCoreAsync(activity, clock, cancellationToken);
            metrics.Rebuilt(clock.Elapsed, ok: true);
            return snapshot;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.Rebuilt(clock.Elapsed, ok: false);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }

    /// <summary>
    /// The articles and plan the served feeds were rendered from, and the store version they include,
    /// so the next rebuild reads only the articles changed since and renders only the feeds they touch.
    /// Null until a build succeeds, and again after a failed one (the next build is a full one).
    /// </summary>
    private sealed record BuiltFrom(FeedArticles Articles, FeedPlan Plan, long StoreVersion);

    private BuiltFrom? _builtFrom;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>Where the last successful rebuild spent its time (for the benchmark and for tracing).</summary>
    public FeedRebuildTimings? LastRebuild { get; private set; }

    /// <summary>
    /// Beyond this many changed articles since the last build (a first import, a restored database),
    /// one read of every published article costs less than reading the changes one by one.
    /// </summary>
    public const int IncrementalLimit = 1000;

    private async Task<FeedCache.Snapshot> RebuildCoreAsync(Activity? activity, Stopwatch clock, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            return await RebuildOnceAsync(activity, clock, cancellationToken);
        }
        catch
        {
            _builtFrom = null; // its articles may be half-updated: start again from the store
            throw;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<FeedCache.Snapshot> RebuildOnceAsync(Activity? activity, Stopwatch clock, CancellationToken cancellationToken)
    {
        var previous = cache.Current;
        // The counter is read before the articles: a change saved meanwhile is read now or next time, never lost.
        var version = await store.CurrentVersionAsync(cancellationToken);
        var incremental = previous.IsBuilt && _builtFrom is { } built && built.StoreVersion <= version
            ? await ChangesSinceAsync(built, cancellationToken) : null;

        FeedArticles articles;
        FeedPlan plan;
        IReadOnlySet<string>? touched = null;
        if (incremental is { } changes)
        {
            articles = _builtFrom!.Articles;
            // Each change is applied in turn, and the feeds holding the article just before and just
            // after it are touched: whatever the order of the changes, no altered feed is missed.
            var holding = new HashSet<string>(StringComparer.Ordinal);
            foreach (var article in changes)
            {
                if (articles.Find(article.Id) is { } before)
                {
                    builder.AddFeedsHolding(articles, before, holding);
                    articles.Remove(article.Id);
                }
                if (article.Status == ArticleStatus.Published)
                {
                    var after = builder.Prepare(article);
                    articles.Put(after);
                    builder.AddFeedsHolding(articles, after, holding);
                }
            }
            plan = builder.Plan(articles);
            var paths = new HashSet<string>(FeedSetBuilder.Touched(_builtFrom.Plan, plan, holding), StringComparer.Ordinal);
            // A feed the served snapshot lacks is rendered whatever the plans say.
            foreach (var path in plan.Paths)
                if (!previous.Documents.ContainsKey($"{path}.{FeedFormat.Atom.Extension()}"))
                    paths.Add(path);
            touched = paths;
        }
        else
        {
            articles = builder.Index(await store.ListPublishedAsync(cancellationToken));
            plan = builder.Plan(articles);
        }
        var planned = clock.Elapsed;
        var rendered = builder.Render(articles, plan, touched);
        var fullText = FullTextDocuments(articles, plan, touched, previous, time.GetUtcNow());
        var renderedAt = clock.Elapsed;
        var archive = letters is null ? null : await letters.ReadAsync(cancellationToken);
        var now = time.GetUtcNow();

        // Hashing (and compressing what changed) is per document, so it runs in parallel too.
        var fresh = new (FeedDocument Document, bool Changed)[rendered.Count];
        Parallel.For(0, rendered.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var feed = rendered[i];
            previous.Documents.TryGetValue(feed.Path, out var before);
            if (before is null && mirror.PreviousLastModified(feed) is { } lastModified)
                fresh[i] = (FeedDocument.Restore(feed, lastModified), false); // the same bytes as before a restart
            else
            {
                var document = FeedDocument.Create(feed, before, now);
                fresh[i] = (document, !ReferenceEquals(before, document));
            }
        });
        var documents = new List<FeedDocument>(previous.Documents.Count + rendered.Count);
        if (touched is not null)
        {
            // Feeds the change did not touch keep their documents: same bytes, ETag and Last-Modified.
            var kept = plan.Paths.ToHashSet(StringComparer.Ordinal);
            kept.ExceptWith(touched);
            foreach (var document in previous.Documents.Values)
                if (kept.Contains(document.Path[..document.Path.LastIndexOf('.')]))
                    documents.Add(document);
        }
        documents.AddRange(fresh.Select(f => f.Document));
        var changed = fresh.Where(f => f.Changed).Select(f => f.Document).ToList();

        var documented = clock.Elapsed;
        var served = documents.Select(d => d.Path).ToHashSet(StringComparer.Ordinal);

        // Mirror first, then serve: the files on disk are never behind what HTTP readers get.
        if (changed.Count > 0 || !previous.IsBuilt || previous.Documents.Count != documents.Count)
            await MirrorAsync(documents, previous.IsBuilt ? changed.ToHashSet() : null,
                removeStale: !previous.IsBuilt || previous.Documents.Keys.Any(path => !served.Contains(path)), cancellationToken);
        var mirrored = clock.Elapsed;
        var letterFeed = archive is null ? null : LetterDocument(archive, previous.Letters, now);
        if (letterFeed is not null && previous.Letters is not null && !ReferenceEquals(letterFeed, previous.Letters))
            changed.Add(letterFeed);
        var snapshot = new FeedCache.Snapshot(documents.ToFrozenDictionary(d => d.Path, StringComparer.Ordinal), version, true)
        {
            FullText = fullText,
            Letters = letterFeed,
            LettersVersion = archive?.Version ?? 0,
            LatestLetters = archive is null ? [] : [.. archive.Letters.OrderByDescending(l => l.SentAt).ThenByDescending(l => l.Number).Take(FeedCache.LatestLetterCount)],
        };
        cache.Publish(snapshot);
        _builtFrom = new BuiltFrom(articles, plan, version);
        LastRebuild = new FeedRebuildTimings(touched is not null, rendered.Count, planned, renderedAt - planned, documented - renderedAt, mirrored - documented, clock.Elapsed);
        activity?.SetTag("encontact.store.version", version);
        activity?.SetTag("encontact.feeds.documents", snapshot.Documents.Count);
        activity?.SetTag("encontact.feeds.rendered", rendered.Count);
        activity?.SetTag("encontact.feeds.changed", changed.Count);
        activity?.SetTag("encontact.feeds.incremental", touched is not null);
        logger.LogInformation("Feeds rebuilt at store version {Version} ({Kind}): {Documents} documents from {Articles} articles, {Rendered} rendered, {Changed} changed, in {Elapsed} ms",
            version, touched is null ? "full" : "incremental", documents.Count + (letterFeed is null ? 0 : 1), articles.Count, rendered.Count, changed.Count, clock.ElapsedMilliseconds);

        hub.Notify(changed.Where(d => !d.IsArchive).Select(d => d.Url));
        return snapshot;
    }

    /// <summary>
    /// The members' full-text documents, rendered here once per rebuild (not per member or request): those
    /// the change touched, or the snapshot lacks, are rendered again; the others are kept as they were.
    /// They are never mirrored nor announced to the hub.
    /// </summary>
    private FrozenDictionary<string, FeedDocument> FullTextDocuments(FeedArticles articles, FeedPlan plan, IReadOnlySet<string>? touched, FeedCache.Snapshot previous, DateTimeOffset now)
    {
        HashSet<string>? only = null;
        if (touched is not null)
        {
            only = new HashSet<string>(touched, StringComparer.Ordinal);
            foreach (var path in plan.Paths)
                if (FeedSetBuilder.HasFullText(path) && !previous.FullText.ContainsKey($"{path}.{FeedFormat.Atom.Extension()}"))
                    only.Add(path);
        }
        var rendered = builder.RenderFullText(articles, plan, only);
        var fresh = new FeedDocument[rendered.Count];
        Parallel.For(0, rendered.Count, i => fresh[i] = FeedDocument.Create(rendered[i], previous.FullText.GetValueOrDefault(rendered[i].Path), now));
        var documents = new List<FeedDocument>(fresh);
        if (only is not null)
        {
            var kept = plan.Paths.Where(FeedSetBuilder.HasFullText).ToHashSet(StringComparer.Ordinal);
            kept.ExceptWith(only);
            foreach (var document in previous.FullText.Values)
                if (kept.Contains(document.Path[..document.Path.LastIndexOf('.')]))
                    documents.Add(document);
        }
        return documents.ToFrozenDictionary(d => d.Path, StringComparer.Ordinal);
    }

    /// <summary>The articles changed since <paramref name="built"/>, or null when there are too many to take one by one.</summary>
    private async Task<IReadOnlyList<Article>?> ChangesSinceAsync(BuiltFrom built, CancellationToken cancellationToken)
    {
        var changes = await store.ChangedSinceAsync(built.StoreVersion, IncrementalLimit + 1, cancellationToken);
        return changes.Count > IncrementalLimit ? null : changes;
    }

    /// <summary>
    /// The letter feed. It lives outside <c>/feeds/</c>, so it is not mirrored; at start its
    /// Last-Modified is when its letters last changed (the newest letter, or the archive's opening),
    /// and like a feed restored from the mirror it is not announced to the hub again.
    /// </summary>
    private FeedDocument LetterDocument(LetterArchiveContent archive, FeedDocument? before, DateTimeOffset now)
    {
        var feed = builder.BuildLetters(archive);
        if (before is not null)
            return FeedDocument.Create(feed, before, now);
        var changedAt = archive.Letters.Count == 0 ? archive.OpenedAt : archive.Letters.Max(l => l.SentAt);
        return FeedDocument.Restore(feed, changedAt < now ? changedAt : now);
    }

    private async Task MirrorAsync(IReadOnlyCollection<FeedDocument> documents, IReadOnlySet<FeedDocument>? changed, bool removeStale, CancellationToken cancellationToken)
    {
        if (mirror.Folder is not { } folder)
            return;
        try
        {
            Directory.CreateDirectory(folder);
            var written = await FeedMirror.WriteAsync(folder, documents, cancellationToken, changed, removeStale);
            logger.LogDebug("Mirrored {Written} changed feed file(s) to {Folder}", written, folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError(e, "Could not mirror feeds to {Folder}; the HTTP feeds are unaffected", folder);
        }
    }

    /// <summary>Time until the next month starts in magazine time, when a month's archive page becomes complete.</summary>
    private TimeSpan UntilNextMonth()
    {
        var now = time.GetUtcNow();
        var local = TimeZoneInfo.ConvertTime(now, magazineTime.Zone);
        var firstOfNext = new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1);
        var next = new DateTimeOffset(firstOfNext, magazineTime.Zone.GetUtcOffset(firstOfNext));
        var wait = next - now + TimeSpan.FromSeconds(1);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }
}

/// <summary>
/// One rebuild's phases, each from the end of the one before: reading the store and working out what to
/// render (<paramref name="Read"/>), rendering, hashing and compressing the documents (the letters archive
/// read included), writing the mirror; and the whole, publication included.
/// </summary>
public sealed record FeedRebuildTimings(bool Incremental, int Rendered, TimeSpan Read, TimeSpan Render, TimeSpan Documents, TimeSpan Mirror, TimeSpan Total);
