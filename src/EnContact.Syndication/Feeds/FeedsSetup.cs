using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Feeds;

public static class FeedsSetup
{
    public static IServiceCollection AddFeeds(this IServiceCollection services)
    {
        services.AddSectionOptions<FeedsOptions>(FeedsOptions.Section, Rules);
        services.AddOptions<FeedsOptions>().PostConfigure<IConfiguration, IHostEnvironment>((feeds, configuration, environment) =>
            feeds.PublicUrl = PublicUrls.OrDerived(feeds.PublicUrl, configuration, environment));
        services.AddSingleton<IPostConfigureOptions<FeedsOptions>, ResolveMirrorPath>();
        services.AddSingleton<FeedSetBuilder>();
        services.AddSingleton<FeedCache>();
        services.AddSingleton<FeedMetrics>();
        services.AddSingleton<FeedRequestCounter>();
        services.AddSingleton<FeedLinks>();
        services.AddSingleton<FeedMirror>();
        services.AddHttpClient(WebSubNotifier.HttpClientName, (provider, client) =>
        {
            client.Timeout = TimeSpan.FromSeconds(30);
            // Hub operators see who calls them and where its feeds are.
            client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", WebSubNotifier.UserAgent(provider.GetRequiredService<IOptions<FeedsOptions>>().Value));
        });
        services.AddSingleton<WebSubNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<WebSubNotifier>());
        services.AddSingleton<FeedPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<FeedPublisher>());
        return services;
    }

    private static IEnumerable<string> Rules(FeedsOptions feeds, IServiceProvider services)
    {
        if (string.IsNullOrWhiteSpace(feeds.PublicUrl))
            yield return PublicUrls.MissingPublicUrl(FeedsOptions.Section, "https://www.en-contact.com/", services);
        foreach (var (key, value) in new[] { ("PublicUrl", feeds.PublicUrl), ("HubUrl", feeds.HubUrl), ("IconUrl", feeds.IconUrl), ("LogoUrl", feeds.LogoUrl) })
        {
            if (string.IsNullOrWhiteSpace(value))
                continue;
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                yield return $"{key}: '{value}' is not an absolute http(s) URL";
        }
    }

    private sealed class ResolveMirrorPath(IHostEnvironment environment) : IPostConfigureOptions<FeedsOptions>
    {
        public void PostConfigure(string? name, FeedsOptions options)
        {
            if (!string.IsNullOrWhiteSpace(options.MirrorPath))
                options.MirrorPath = Path.GetFullPath(options.MirrorPath, environment.ContentRootPath);
        }
    }
}
