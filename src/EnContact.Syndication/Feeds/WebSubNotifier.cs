using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// Tells the configured WebSub hub that feeds changed (<c>hub.mode=publish</c>). Notifications are
/// queued and sent by this worker, so a slow or failing hub never delays a rebuild; each is retried
/// with exponential back-off by a Polly pipeline, then dropped with a warning (readers still poll).
/// </summary>
public sealed class WebSubNotifier(
    IHttpClientFactory httpClients,
    IOptions<FeedsOptions> options,
    TimeProvider time,
    ILogger<WebSubNotifier> logger) : BackgroundService
{
    public const string HttpClientName = "websub";
    private readonly Channel<string> _topics = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues a notification for each topic URL (no-op without a hub).</summary>
    public void Notify(IEnumerable<string> topicUrls)
    {
        if (string.IsNullOrWhiteSpace(options.Value.HubUrl))
            return;
        foreach (var topic in topicUrls)
            _topics.Writer.TryWrite(topic);
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
            .Build();

        await foreach (var topic in _topics.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await pipeline.ExecuteAsync(async ct => await PublishAsync(topic, ct), stoppingToken);
                logger.LogDebug("Notified the WebSub hub of {Topic}", topic);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "The WebSub hub was not told about {Topic}; subscribers will see the change at their next poll", topic);
            }
        }
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
