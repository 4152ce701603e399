using EnContact.Syndication.Feeds;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Templating;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Composition;

public static class PageChromeSetup
{
    /// <summary>What every public page's layout shows, made here because it joins two features: the site (title, language) and its feeds (autodiscovery).</summary>
    public static IServiceCollection AddPageChrome(this IServiceCollection services) =>
        services.AddSingleton(provider =>
        {
            var site = provider.GetRequiredService<IOptions<SiteOptions>>().Value;
            return new PageChrome(site.Title, site.BaseUrl, site.DefaultLanguage, provider.GetRequiredService<FeedLinks>().SiteWide())
            {
                PublisherName = site.PublisherName,
                PrivacyUrl = string.IsNullOrWhiteSpace(site.PrivacyUrl) ? null : site.PrivacyUrl,
                Root = provider.GetRequiredService<SubscriberLinks>().Path(""),
            };
        });
}
