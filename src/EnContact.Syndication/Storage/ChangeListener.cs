using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EnContact.Syndication.Storage;

/// <summary>
/// Something in this process that must learn of changes other processes make (the feed builder of
/// an article saved elsewhere, the sender of messages queued elsewhere). It looks at the store and
/// publishes what moved to its in-process signal.
/// </summary>
public interface IChangeSubscriber
{
    /// <summary>The topic it follows, as stores announce it ("articles", "outbox", "digests").</summary>
    string Topic { get; }

    Task CatchUpAsync(CancellationToken cancellationToken);
}

/// <summary>
/// On PostgreSQL, listens for the other processes' announcements and wakes the subscribers of each
/// topic. Notifications are not stored: after (re)connecting, and every
/// <see cref="StorageOptions.ChangePollInterval"/> without any, every subscriber catches up from the
/// store itself, so a lost notification delays a change and never hides it. SQLite has one process:
/// nothing to listen to.
/// </summary>
public sealed class ChangeListener(Database database, IEnumerable<IChangeSubscriber> subscribers, IOptions<StorageOptions> options, ILogger<ChangeListener> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database is not PostgresDatabase postgres)
            return;
        var byTopic = subscribers.ToLookup(s => s.Topic, StringComparer.Ordinal);
        if (byTopic.Count == 0)
            return;

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(postgres, byTopic, () => failures = 0, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                failures++;
                var wait = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(failures, 5))));
                logger.LogWarning(e, "Lost the change notifications of {Database}; listening again in {Wait} (changes made meanwhile are caught up then)", database.Description, wait);
                await Task.Delay(wait, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task ListenAsync(PostgresDatabase postgres, ILookup<string, IChangeSubscriber> byTopic, Action connected, CancellationToken stoppingToken)
    {
        await using var connection = await postgres.OpenListenerAsync(stoppingToken);
        var announced = Channel.CreateUnbounded<string>();
        connection.Notification += (_, e) => announced.Writer.TryWrite(e.Payload);
        connected();
        // The counterpart of the warning above: an operator sees the notifications come back.
        logger.LogInformation("Listening to the other gateway processes' changes on {Database}", database.Description);
        // Whatever changed before this session listened.
        await CatchUpAsync(byTopic.Select(g => g.Key), byTopic, stoppingToken);
        while (true)
        {
            var heard = await connection.WaitAsync(options.Value.ChangePollInterval, stoppingToken);
            var topics = new HashSet<string>(StringComparer.Ordinal);
            while (announced.Reader.TryRead(out var topic))
                topics.Add(topic);
            await CatchUpAsync(heard ? topics : byTopic.Select(g => g.Key), byTopic, stoppingToken);
        }
    }

    private async Task CatchUpAsync(IEnumerable<string> topics, ILookup<string, IChangeSubscriber> byTopic, CancellationToken cancellationToken)
    {
        foreach (var topic in topics)
            foreach (var subscriber in byTopic[topic])
            {
                try
                {
                    await subscriber.CatchUpAsync(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Catching up on {Topic} failed; the next notification or poll tries again", topic);
                }
            }
    }
}
