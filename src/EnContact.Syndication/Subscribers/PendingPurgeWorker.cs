using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>Once an hour (and at start), deletes subscription requests nobody confirmed within <see cref="SubscribersOptions.PendingRetention"/>.</summary>
public sealed class PendingPurgeWorker(SubscriberStore store, IOptions<SubscribersOptions> options, TimeProvider time, ILogger<PendingPurgeWorker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var purged = await store.PurgeStalePendingAsync(time.GetUtcNow() - options.Value.PendingRetention, stoppingToken);
                if (purged > 0)
                    logger.LogInformation("Deleted {Count} subscription request(s) not confirmed within {Retention}", purged, options.Value.PendingRetention);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not delete stale subscription requests; will try again in {Interval}", Interval);
            }
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
