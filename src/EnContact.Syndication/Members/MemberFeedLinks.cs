using EnContact.Syndication.Feeds;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Members;

/// <summary>One private feed of a member: its title and its address in each format.</summary>
public sealed record MemberFeedLink(string Title, string Atom, string Rss, string Json);

/// <summary>
/// A member's private feed addresses (the site-wide feed, then each section that has one), made from the
/// token derived from the member's nonce, so they can be shown again at any time without being stored.
/// </summary>
public sealed class MemberFeedLinks(MemberFeedTokens tokens, FeedCache cache, IOptions<FeedsOptions> feeds)
{
    public IReadOnlyList<MemberFeedLink> For(Member member)
    {
        var token = tokens.TokenFor(member.FeedNonce);
        var documents = cache.Current.FullText;
        var paths = documents.Values.Where(d => d.Format == FeedFormat.Atom)
            .OrderBy(d => d.Path == "all.atom" ? 0 : 1).ThenBy(d => d.Title, StringComparer.CurrentCulture)
            .Select(d => (d.Path[..d.Path.LastIndexOf('.')], d.Title))
            .ToList();
        if (paths.Count == 0) // before the first build, or no article yet: the site-wide feed exists anyway
            paths.Add((FeedDefinition.AllPath, "Tous les articles"));
        return paths.Select(p => new MemberFeedLink(p.Item2, Url(token, p.Item1, FeedFormat.Atom), Url(token, p.Item1, FeedFormat.Rss), Url(token, p.Item1, FeedFormat.Json))).ToList();
    }

    /// <summary>The member's site-wide Atom feed: the one address to hand out when only one is shown.</summary>
    public string AllAtom(Member member) => Url(tokens.TokenFor(member.FeedNonce), FeedDefinition.AllPath, FeedFormat.Atom);

    private string Url(string token, string path, FeedFormat format) =>
        MemberFeedsApi.Url(feeds.Value.PublicUri, token, $"{path}.{format.Extension()}");
}
