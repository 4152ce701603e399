using EnContact.Syndication.Templating;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Feeds;

/// <summary>The site-wide feeds, as autodiscovery links for pages built elsewhere (subscription pages, digest archive).</summary>
public sealed class FeedLinks(FeedSetBuilder builder, IOptions<SiteOptions> site)
{
    public IReadOnlyList<AlternateLink> SiteWide() =>
    [
        .. new[] { FeedFormat.Atom, FeedFormat.Rss, FeedFormat.Json }.Select(format => new AlternateLink(
            $"{site.Value.Title} ({format.Extension().ToUpperInvariant()})", format.MediaType(),
            builder.PublicUrl(FeedDefinition.All(site.Value.Title).FileName(format)))),
    ];
}
