using EnContact.Syndication.Articles;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// The full-text mode: the site-wide feed and one feed per section with premium articles in full, for
/// members' private addresses. Same items, ids and writers as the public feeds; what differs is the
/// premium content, the feed id, and that the documents name no self link: one document serves every
/// member (each at an address carrying their own token), so it is rendered and compressed once.
/// </summary>
public sealed partial class FeedSetBuilder
{
    /// <summary>Whether a subscription feed at <paramref name="path"/> has a full-text form (the site-wide and section feeds).</summary>
    public static bool HasFullText(string path) => path == FeedDefinition.AllPath || path.StartsWith("sections/", StringComparison.Ordinal);

    /// <summary>Renders the full-text form of the feeds of <paramref name="plan"/> whose path is in <paramref name="only"/> (all when null).</summary>
    public IReadOnlyList<RenderedFeed> RenderFullText(FeedArticles articles, FeedPlan plan, IReadOnlySet<string>? only)
    {
        var published = articles.NewestFirst;
        var jobs = new List<(FeedModel Model, FeedDefinition Definition, FeedFormat Format)>();
        foreach (var (definition, includes) in plan.Subscriptions)
        {
            if (!HasFullText(definition.Path) || (only is not null && !only.Contains(definition.Path)))
                continue;
            var items = new List<FeedEntry>(_feeds.ItemCount);
            foreach (var article in published)
            {
                if (!includes(article))
                    continue;
                items.Add(FullTextEntry(article));
                if (items.Count == _feeds.ItemCount)
                    break;
            }
            var model = Model(definition, items) with
            {
                Id = $"tag:{_feeds.TagAuthority}:feed/members/{definition.Path}",
                Title = $"{definition.Title} (texte intégral)",
                SelfUrl = null,
                HubUrl = null, // private documents are never announced
            };
            foreach (var format in FeedFormats.All)
                jobs.Add((model, definition, format));
        }
        var rendered = new RenderedFeed[jobs.Count];
        Parallel.For(0, jobs.Count, i =>
        {
            var (model, definition, format) = jobs[i];
            var feed = Render(model, definition, format);
            rendered[i] = feed with { Url = "" }; // no public address: it is served only at members' private ones
        });
        return rendered;
    }

    /// <summary>A premium article's entry with its whole text; a free one's entry is already full.</summary>
    private static FeedEntry FullTextEntry(FeedArticle article) => article.Entry.IsPremium
        ? article.Entry with { ContentHtml = (article.Entry.ImageUrl is { } image ? $"<p><img src=\"{HtmlText.Encode(image)}\" alt=\"\" /></p>\n" : "") + article.Article.ContentHtml }
        : article.Entry;
}
