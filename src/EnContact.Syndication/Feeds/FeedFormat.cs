namespace EnContact.Syndication.Feeds;

/// <summary>The three formats every subscription feed is published in.</summary>
public enum FeedFormat
{
    Rss,
    Atom,
    Json,
}

public static class FeedFormats
{
    public static readonly FeedFormat[] All = [FeedFormat.Rss, FeedFormat.Atom, FeedFormat.Json];

    public static string Extension(this FeedFormat format) => format switch
    {
        FeedFormat.Rss => "rss",
        FeedFormat.Atom => "atom",
        _ => "json",
    };

    public static string MediaType(this FeedFormat format) => format switch
    {
        FeedFormat.Rss => "application/rss+xml",
        FeedFormat.Atom => "application/atom+xml",
        _ => "application/feed+json",
    };
}
