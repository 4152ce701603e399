using System.Collections.Frozen;
using System.Diagnostics;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// Rebuilds every feed when the article store changes (bursts merged by
/// <see cref="FeedsOptions.RebuildDelay"/>), when a letter is published (the letter feed) and when a
/// month ends (a new archive page), never per request; then swaps the served snapshot, mirrors the
/// files and tells the WebSub hub.
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

    private async Task<FeedCache.Snapshot> RebuildCoreAsync(Activity? activity, Stopwatch clock, CancellationToken cancellationToken)
    {
        var version = await store.CurrentVersionAsync(cancellationToken);
        var articles = await store.ListPublishedAsync(cancellationToken);
        var archive = letters is null ? null : await letters.ReadAsync(cancellationToken);
        var rendered = builder.Build(articles);
        var previous = cache.Current;
        var now = time.GetUtcNow();

        var documents = new List<FeedDocument>(rendered.Count);
        var changed = new List<FeedDocument>();
        foreach (var feed in rendered)
        {
            previous.Documents.TryGetValue(feed.Path, out var before);
            FeedDocument document;
            var restored = false;
            if (before is null && mirror.PreviousLastModified(feed) is { } lastModified)
            {
                document = FeedDocument.Restore(feed, lastModified); // the same bytes as before a restart
                restored = true;
            }
            else
            {
                document = FeedDocument.Create(feed, before, now);
            }
            documents.Add(document);
            if (!restored && !ReferenceEquals(before, document))
                changed.Add(document);
        }

        // Mirror first, then serve: the files on disk are never behind what HTTP readers get.
        if (changed.Count > 0 || !previous.IsBuilt || previous.Documents.Count != documents.Count)
            await MirrorAsync(documents, previous.IsBuilt ? changed.ToHashSet() : null, cancellationToken);
        var letterFeed = archive is null ? null : LetterDocument(archive, previous.Letters, now);
        if (letterFeed is not null && previous.Letters is not null && !ReferenceEquals(letterFeed, previous.Letters))
            changed.Add(letterFeed);
        var snapshot = new FeedCache.Snapshot(documents.ToFrozenDictionary(d => d.Path, StringComparer.Ordinal), version, true)
        {
            Letters = letterFeed,
            LettersVersion = archive?.Version ?? 0,
            LatestLetters = archive is null ? [] : [.. archive.Letters.OrderByDescending(l => l.SentAt).ThenByDescending(l => l.Number).Take(FeedCache.LatestLetterCount)],
        };
        cache.Publish(snapshot);
        activity?.SetTag("encontact.store.version", version);
        activity?.SetTag("encontact.feeds.documents", snapshot.Documents.Count);
        activity?.SetTag("encontact.feeds.changed", changed.Count);
        logger.LogInformation("Feeds rebuilt at store version {Version}: {Documents} documents from {Articles} articles, {Changed} changed, in {Elapsed} ms",
            version, documents.Count + (letterFeed is null ? 0 : 1), articles.Count, changed.Count, clock.ElapsedMilliseconds);

        hub.Notify(changed.Where(d => !d.IsArchive).Select(d => d.Url));
        return snapshot;
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

    private async Task MirrorAsync(IReadOnlyCollection<FeedDocument> documents, IReadOnlySet<FeedDocument>? changed, CancellationToken cancellationToken)
    {
        if (mirror.Folder is not { } folder)
            return;
        try
        {
            Directory.CreateDirectory(folder);
            var written = await FeedMirror.WriteAsync(folder, documents, cancellationToken, changed);
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
