using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace EnContact.Syndication.Sources;

/// <summary>The magazine's CMS feeds as an article source: settings, the polling client, the worker.</summary>
public static class SourcesSetup
{
    /// <summary>Delay before the first retry of a fetch; each further one waits twice as long.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    public static IServiceCollection AddSources(this IServiceCollection services)
    {
        services.AddSectionOptions<SourcesOptions>(SourcesOptions.Section, Rules);
        services.AddSingleton<SourceStore>();
        services.AddSingleton<SourceMetrics>();
        services.AddSingleton<UpstreamFetcher>();
        services.AddSingleton<SourceIngester>();
        services.AddSingleton<SourcePoller>();
        services.AddSingleton<SourceBackfill>();
        services.AddSingleton<SourcesWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<SourcesWorker>());
        services.AddHealthChecks().AddCheck<SourcesHealth>("sources");
        services.AddHttpClient(UpstreamFetcher.HttpClientName, (provider, client) =>
            {
                // The fetcher's own timeout, on the gateway's clock, covers the retries and the body.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", UserAgent(
                    provider.GetRequiredService<IOptions<SourcesOptions>>().Value, provider.GetRequiredService<IOptions<SiteOptions>>().Value));
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AllowAutoRedirect = true,
                MaxAutomaticRedirections = 5,
            })
            .AddResilienceHandler("sources", (pipeline, context) =>
            {
                var settings = context.ServiceProvider.GetRequiredService<IOptions<SourcesOptions>>().Value;
                pipeline.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
                if (settings.Retries > 0)
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = settings.Retries,
                        Delay = RetryDelay,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = false,
                        // A 429 or 503 with Retry-After is the schedule's business (the next poll), not this request's.
                        ShouldRetryAfterHeader = false,
                        ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                    });
            });
        return services;
    }

    /// <summary>A network failure, or a 5xx that does not say when to come back.</summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException } => true,
        { Result: { } response } => (int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.NotImplemented
            && response.Headers.RetryAfter is null,
        _ => false,
    };

    /// <summary>Who polls, and where to learn about it: the gateway's name and version and the site's URL.</summary>
    public static string UserAgent(SourcesOptions sources, SiteOptions site) =>
        string.IsNullOrWhiteSpace(sources.UserAgent)
            ? $"EnContact.Syndication/{typeof(SourcesSetup).Assembly.GetName().Version?.ToString(3) ?? "1.0.0"} (feed reader; +{site.BaseUri.AbsoluteUri})"
            : sources.UserAgent.Trim();

    private static IEnumerable<string> Rules(SourcesOptions sources)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sources.Feeds.Count; i++)
        {
            var feed = sources.Feeds[i];
            var key = $"Feeds:{i}";
            var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
            if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(feed, new(feed), results, validateAllProperties: true))
                foreach (var result in results)
                    yield return $"{key}:{string.Join(",", result.MemberNames)}: {result.ErrorMessage}";
            if (!string.IsNullOrEmpty(feed.Name))
            {
                if (!Slugs.IsValid(feed.Name) || feed.Name.Length > 60)
                    yield return $"{key}:Name: '{feed.Name}' is not a short name: use 1 to 60 lowercase letters, digits and single hyphens (e.g. cms-actualites)";
                else if (!names.Add(feed.Name))
                    yield return $"{key}:Name: '{feed.Name}' names another feed too; each needs its own name";
            }
            if (!string.IsNullOrEmpty(feed.Url)
                && (!Uri.TryCreate(feed.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
                yield return $"{key}:Url: '{feed.Url}' is not an absolute http or https URL";
            if (feed.Access is not ("free" or "premium"))
                yield return $"{key}:Access: '{feed.Access}' is not an access level: use free or premium";
        }
        if (sources.UserAgent is { } agent && agent.Any(char.IsControl))
            yield return "UserAgent: must be one line of printable characters";
    }
}
