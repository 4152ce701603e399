using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Sources;

/// <summary>
/// One poll of one upstream feed, politely: a conditional GET with the validators of the last
/// document ingested; a 304 changes nothing; the next poll comes after the source's interval, or
/// later if its Cache-Control: max-age asks; a failure doubles the wait each time it repeats, and a
/// 429 or 503 is not asked again before its Retry-After; no wait exceeds <see cref="SourcesOptions.MaxBackoff"/>.
/// A failed poll or an unreadable document touches no article.
/// </summary>
public sealed class SourcePoller(
    UpstreamFetcher fetcher,
    SourceIngester ingester,
    SourceStore store,
    SourceMetrics metrics,
    IOptions<SourcesOptions> options,
    TimeProvider time,
    ILogger<SourcePoller> logger)
{
    public async Task<SourceState> PollAsync(UpstreamFeedOptions feed, CancellationToken cancellationToken)
    {
        var name = feed.Name!;
        var state = await store.GetAsync(name, cancellationToken) ?? new SourceState { Name = name };
        var fetched = await fetcher.FetchAsync(feed.Uri, state.ETag, state.LastModified, cancellationToken);
        var now = time.GetUtcNow();
        SourceState next;
        switch (fetched)
        {
            case FetchResult.NotModified:
                if (state.ConsecutiveFailures > 0)
                    await ingester.ClearProblemAsync(SourceIds.SourceOf(name), cancellationToken);
                next = Succeeded(state, feed, now, fetched.MaxAge, "not modified (304)");
                logger.LogDebug("Feed {Source}: not modified", name);
                metrics.Polled(name, "not-modified");
                break;
            case FetchResult.Fetched document:
                next = await IngestAsync(feed, state, document, now, cancellationToken);
                break;
            case FetchResult.Failed failed:
                next = await FailedAsync(feed, state, now, failed.Reason, failed.RetryAfter, cancellationToken);
                break;
            default:
                throw new InvalidOperationException($"unknown fetch result {fetched}");
        }
        await store.SaveAsync(next, cancellationToken);
        return next;
    }

    private async Task<SourceState> IngestAsync(UpstreamFeedOptions feed, SourceState state, FetchResult.Fetched fetched, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var name = feed.Name!;
        UpstreamDocument document;
        try
        {
            document = FeedDocumentReader.Read(fetched.Body, fetched.MediaType, feed.Uri);
        }
        catch (UnreadableFeedException e)
        {
            return await FailedAsync(feed, state, now, e.Message, null, cancellationToken);
        }
        var report = await ingester.IngestAsync(feed, document, cancellationToken);
        if (document.Notes.Count > 0)
            await ingester.RecordProblemAsync(SourceIds.SourceOf(name), string.Join("; ", document.Notes), null, cancellationToken);
        else
            await ingester.ClearProblemAsync(SourceIds.SourceOf(name), cancellationToken);
        logger.LogInformation("Feed {Source}: {Items} item(s) read ({Report}); {Notes} note(s)", name, document.Items.Count, report, document.Notes.Count);
        metrics.Polled(name, "fetched");
        // The validators are kept only now: a document that failed must be fetched whole again.
        return Succeeded(state with { ETag = fetched.ETag, LastModified = fetched.LastModified }, feed, now, fetched.MaxAge,
            $"{document.Items.Count} item(s): {report}");
    }

    private SourceState Succeeded(SourceState state, UpstreamFeedOptions feed, DateTimeOffset now, TimeSpan? maxAge, string outcome)
    {
        var wait = maxAge is { } age && age > feed.PollInterval ? age : feed.PollInterval;
        return state with
        {
            LastPollAt = now,
            LastOutcome = outcome,
            ConsecutiveFailures = 0,
            NextPollAt = now + Min(wait, options.Value.MaxBackoff),
        };
    }

    private async Task<SourceState> FailedAsync(UpstreamFeedOptions feed, SourceState state, DateTimeOffset now, string reason, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var failures = state.ConsecutiveFailures + 1;
        var wait = Backoff(feed.PollInterval, failures, options.Value.MaxBackoff);
        if (retryAfter is { } after && after > wait)
            wait = Min(after, options.Value.MaxBackoff);
        var nextPoll = now + wait;
        logger.LogWarning("Feed {Source}: poll failed ({Failures} in a row): {Reason}; next poll at {Next:u}", feed.Name, failures, reason, nextPoll);
        await ingester.RecordProblemAsync(SourceIds.SourceOf(feed.Name!), $"{reason} ({failures} failed poll(s) in a row; next poll at {nextPoll:u})", null, cancellationToken);
        metrics.Polled(feed.Name!, "failed");
        return state with { LastPollAt = now, LastOutcome = $"failed: {reason}", ConsecutiveFailures = failures, NextPollAt = nextPoll };
    }

    /// <summary>The source's interval, doubled for each failure in a row, never past <paramref name="max"/>.</summary>
    public static TimeSpan Backoff(TimeSpan interval, int failures, TimeSpan max)
    {
        var factor = Math.Pow(2, Math.Min(failures, 30));
        return interval.TotalSeconds * factor >= max.TotalSeconds ? max : TimeSpan.FromSeconds(interval.TotalSeconds * factor);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
