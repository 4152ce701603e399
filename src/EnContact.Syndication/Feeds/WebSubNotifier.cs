using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// Tells the configured WebSub hub that feeds changed (<c>hub.mode=publish</c>). Notifications are
/// queued and sent by this worker, so a slow or failing hub never delays a rebuild. Up to
/// <see cref="Concurrency"/> topics are sent at once, so a topic the hub keeps refusing (retried with
/// exponential back-off by a Polly pipeline, then dropped with a warning: readers still poll) never
/// holds up the others. A topic already waiting its turn is not queued again: the hub fetches the
/// newest version anyway, so one notification covers every change made meanwhile.
/// </summary>
public sealed class WebSubNotifier(
    IHttpClientFactory httpClients,
    IOptions<FeedsOptions> options,
    TimeProvider time,
    ILoggerFactory loggers,
    ILogger<WebSubNotifier> logger) : BackgroundService
{
    public const string HttpClientName = "websub";

    /// <summary>Notifications sent at once.</summary>
    public const int Concurrency = 4;

    /// <summary>How the gateway names itself to the hub (RFC 9110 product token, then where its feeds are).</summary>
    public static string UserAgent(FeedsOptions feeds) =>
        $"EnContact.Syndication/{typeof(WebSubNotifier).Assembly.GetName().Version?.ToString(3) ?? "1.0.0"} (WebSub publisher; +{feeds.PublicUri.AbsoluteUri})";

    private readonly Channel<string> _topics = Channel.CreateUnbounded<string>();
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Queues a notification for each topic URL not already waiting (no-op without a hub).</summary>
    public void Notify(IEnumerable<string> topicUrls)
    {
        if (string.IsNullOrWhiteSpace(options.Value.HubUrl))
            return;
        foreach (var topic in topicUrls)
        {
            lock (_gate)
            {
                if (!_waiting.Add(topic))
                    continue;
            }
            _topics.Writer.TryWrite(topic);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 5,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.Value.HubRetryDelay,
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TaskCanceledException>(e => !stoppingToken.IsCancellationRequested),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .WithTelemetry("websub", loggers)
            .Build();

        // Each of the Concurrency workers takes the next waiting topic only when it is free, so topics
        // left in the channel are still "waiting" and later changes of them merge into one notification.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = stoppingToken };
        await Parallel.ForEachAsync(_topics.Reader.ReadAllAsync(stoppingToken), parallel, async (topic, cancellationToken) =>
        {
            lock (_gate)
                _waiting.Remove(topic); // a change from now on needs a notification of its own
            try
            {
                await pipeline.ExecuteAsync(async ct => await PublishAsync(topic, ct), cancellationToken);
                logger.LogDebug("Notified the WebSub hub of {Topic}", topic);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "The WebSub hub was not told about {Topic}; subscribers will see the change at their next poll", topic);
            }
        });
    }

    private async Task PublishAsync(string topic, CancellationToken cancellationToken)
    {
        var client = httpClients.CreateClient(HttpClientName);
        using var body = new FormUrlEncodedContent([new("hub.mode", "publish"), new("hub.url", topic)]);
        using var response = await client.PostAsync(options.Value.HubUrl, body, cancellationToken);
        // 4xx other than 429 will not get better by retrying; everything else is worth another try.
        if ((int)response.StatusCode >= 500 || (int)response.StatusCode == 429)
            throw new HttpRequestException($"hub answered {(int)response.StatusCode}", null, response.StatusCode);
        if (!response.IsSuccessStatusCode)
            logger.LogWarning("The WebSub hub refused {Topic}: {Status}", topic, (int)response.StatusCode);
    }
}
