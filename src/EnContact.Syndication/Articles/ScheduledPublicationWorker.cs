namespace EnContact.Syndication.Articles;

/// <summary>
/// Publishes scheduled articles when their time comes, without a restart: it sleeps (on the
/// injected <see cref="TimeProvider"/>) until the earliest scheduled instant, and wakes early when
/// the store changes, since a new article may be due sooner.
/// </summary>
public sealed class ScheduledPublicationWorker(ArticleStore store, TimeProvider time, ILogger<ScheduledPublicationWorker> logger) : BackgroundService
{
    /// <summary>Longest sleep, so a clock change on the host is noticed within the hour.</summary>
    private static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            long seen;
            DateTimeOffset? next;
            try
            {
                var published = await store.PublishDueAsync(stoppingToken);
                if (published > 0)
                    logger.LogInformation("Published {Count} scheduled article(s)", published);
                seen = await store.CurrentVersionAsync(stoppingToken);
                next = await store.NextScheduledAtAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Publishing scheduled articles failed; retrying in a minute");
                await Task.Delay(TimeSpan.FromMinutes(1), time, stoppingToken);
                continue;
            }

            var sleep = next is { } due ? due - time.GetUtcNow() : MaxSleep;
            sleep = sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep > MaxSleep ? MaxSleep : sleep;
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            try
            {
                var timer = Task.Delay(sleep, time, wake.Token);
                // The clock may have passed the due time while the timer was being armed: then go round at once.
                if (next is null || time.GetUtcNow() < next)
                    await Task.WhenAny(timer, store.Changes.WaitForChangeAsync(seen, wake.Token));
            }
            finally
            {
                await wake.CancelAsync();
            }
        }
    }
}
