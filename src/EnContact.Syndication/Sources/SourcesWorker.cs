using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Sources;

/// <summary>
/// Polls each configured upstream feed when it is due (the schedule is in the database, so it
/// survives a restart), the due ones side by side so a slow or broken one holds up no other. With
/// several gateway processes on one database, one of them leads and polls; the others stand by.
/// </summary>
public sealed class SourcesWorker(
    Database database,
    SourcePoller poller,
    SourceStore store,
    IOptions<SourcesOptions> options,
    TimeProvider time,
    ILogger<SourcesWorker> logger) : BackgroundService
{
    /// <summary>The role that one gateway process at a time holds.</summary>
    public const string Role = "upstream-sources";

    /// <summary>Shortest wait between two rounds, and the wait after a round the database broke.</summary>
    public static readonly TimeSpan MinimumWait = TimeSpan.FromSeconds(5), AfterError = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Feeds.Count == 0)
        {
            logger.LogDebug("No upstream feed is configured (Sources:Feeds); nothing to poll");
            return;
        }
        await new LeadershipLoop(database, time, logger, new LeadRole(Role, "polls the upstream feeds")).RunAsync(
            PollLoopAsync,
            reason => logger.LogWarning("Upstream feeds are not polled for now: {Reason}", reason),
            () => { },
            () => logger.LogInformation("This gateway process polls {Count} upstream feed(s)", options.Value.Feeds.Count),
            stoppingToken);
    }

    private async Task PollLoopAsync(CancellationToken cancellationToken)
    {
        var feeds = options.Value.Feeds;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var states = (await store.ListAsync(cancellationToken)).ToDictionary(s => s.Name, StringComparer.Ordinal);
                var now = time.GetUtcNow();
                var due = feeds.Where(f => !states.TryGetValue(f.Name!, out var s) || s.NextPollAt is not { } next || next <= now).ToList();
                await Task.WhenAll(due.Select(f => PollOneAsync(f, cancellationToken)));

                states = (await store.ListAsync(cancellationToken)).ToDictionary(s => s.Name, StringComparer.Ordinal);
                var earliest = feeds.Select(f => states.TryGetValue(f.Name!, out var s) && s.NextPollAt is { } next ? next : now).Min();
                wait = earliest - time.GetUtcNow();
                if (wait < MinimumWait)
                    wait = MinimumWait;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "A round of upstream feed polls failed; trying again in {Wait}", AfterError);
                wait = AfterError;
            }
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>One source's poll; whatever it throws stays with it.</summary>
    private async Task PollOneAsync(UpstreamFeedOptions feed, CancellationToken cancellationToken)
    {
        try
        {
            await poller.PollAsync(feed, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Feed {Source}: the poll failed unexpectedly; the next round tries again", feed.Name);
        }
    }
}
