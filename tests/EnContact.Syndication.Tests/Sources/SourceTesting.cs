using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Sources;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Sources;

/// <summary>Settings and shortcuts shared by the upstream sources' tests.</summary>
internal static class SourceTesting
{
    /// <summary>Settings for upstream feeds (name, URL, access); retries off unless asked, so each poll is one request.</summary>
    public static Dictionary<string, string?> Settings(int retries, params (string Name, string Url, string Access)[] feeds)
    {
        var settings = new Dictionary<string, string?> { ["Sources:Retries"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        for (var i = 0; i < feeds.Length; i++)
        {
            settings[$"Sources:Feeds:{i}:Name"] = feeds[i].Name;
            settings[$"Sources:Feeds:{i}:Url"] = feeds[i].Url;
            settings[$"Sources:Feeds:{i}:Access"] = feeds[i].Access;
        }
        return settings;
    }

    public static Dictionary<string, string?> Settings(params (string Name, string Url, string Access)[] feeds) => Settings(0, feeds);

    public static UpstreamFeedOptions Feed(this Gateway gateway, string name) =>
        gateway.Services.GetRequiredService<IOptions<SourcesOptions>>().Value.Feeds.Single(f => f.Name == name);

    public static Task<SourceState> PollAsync(this Gateway gateway, string name, CancellationToken cancellationToken = default) =>
        gateway.Services.GetRequiredService<SourcePoller>().PollAsync(gateway.Feed(name), cancellationToken);

    public static Task<IReadOnlyList<IngestionProblem>> ProblemsAsync(this Gateway gateway) =>
        gateway.Sources.ListProblemsAsync(CancellationToken.None);

    public static async Task<IReadOnlyList<Article>> FeedArticlesAsync(this Gateway gateway, string name) =>
        [.. (await gateway.Articles.ListAsync(new ArticleQuery { PageSize = 200 }, CancellationToken.None)).Items.Where(a => a.Source == SourceIds.SourceOf(name))];

    public static Task<long> VersionAsync(this Gateway gateway) => gateway.Articles.CurrentVersionAsync(CancellationToken.None);

    public static string IdOf(string name, string key) => SourceIds.ArticleId(name, key);
}
