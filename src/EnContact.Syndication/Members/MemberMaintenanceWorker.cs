using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Members;

/// <summary>
/// At start, re-hashes the tokens of members hashed under an earlier <c>Members:FeedTokenSecret</c> (so
/// the URL a member is shown is the one that works); then every hour forgets the client addresses not
/// seen within <see cref="MembersOptions.SharingWindow"/>.
/// </summary>
public sealed partial class MemberMaintenanceWorker(MemberStore store, IOptions<MembersOptions> options, TimeProvider time, ILogger<MemberMaintenanceWorker> logger) : BackgroundService
{
    public static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var rehashed = await store.RehashAsync(stoppingToken);
            if (rehashed > 0)
                LogRehashed(logger, rehashed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e, "re-hash of feed tokens");
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var purged = await store.PurgeClientsAsync(time.GetUtcNow() - options.Value.SharingWindow, stoppingToken);
                if (purged > 0)
                    LogPurged(logger, purged);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e, "purge of client sightings");
            }
            await Task.Delay(PurgeInterval, time, stoppingToken);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Members:FeedTokenSecret changed: {Count} member feed URL(s) re-derived; the old URLs no longer work")]
    private static partial void LogRehashed(ILogger logger, int count);

    [LoggerMessage(LogLevel.Information, "Forgot {Count} client sighting(s) older than the sharing window")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(LogLevel.Error, "Members: the {Task} failed; it is tried again later")]
    private static partial void LogFailed(ILogger logger, Exception exception, string task);
}
