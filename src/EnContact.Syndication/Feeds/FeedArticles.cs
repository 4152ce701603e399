using EnContact.Syndication.Articles;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// One published article as every feed needs it, worked out once when it enters the set rather than
/// once per feed: its entry, its month in magazine time, the slugs of its section and tags.
/// </summary>
public sealed record FeedArticle(Article Article, FeedEntry Entry, string Month, string? SectionSlug, IReadOnlyList<string> TagSlugs);

/// <summary>
/// The published articles the feeds are made of, newest first (then by id), kept up to date one change
/// at a time so a rebuild after an edit reads only what changed in the store. Not thread-safe: its
/// owner, the feed publisher, changes it from one rebuild at a time.
/// </summary>
public sealed class FeedArticles
{
    private readonly List<FeedArticle> _newestFirst;
    private readonly Dictionary<string, FeedArticle> _byId;

    public FeedArticles() : this([])
    {
    }

    /// <summary>A set of <paramref name="articles"/> (distinct ids), sorted once rather than inserted one by one.</summary>
    public FeedArticles(IEnumerable<FeedArticle> articles)
    {
        _newestFirst = [.. articles];
        _newestFirst.Sort(Order);
        _byId = _newestFirst.ToDictionary(a => a.Article.Id, StringComparer.Ordinal);
    }

    public IReadOnlyList<FeedArticle> NewestFirst => _newestFirst;

    public int Count => _newestFirst.Count;

    public FeedArticle? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Adds or replaces the article with this id; returns the version it replaced, if any.</summary>
    public FeedArticle? Put(FeedArticle article)
    {
        var before = Remove(article.Article.Id);
        var at = _newestFirst.BinarySearch(article, Order);
        _newestFirst.Insert(at < 0 ? ~at : at, article);
        _byId[article.Article.Id] = article;
        return before;
    }

    /// <summary>Takes the article out (it was unpublished or deleted); returns what it was, if it was there.</summary>
    public FeedArticle? Remove(string id)
    {
        if (!_byId.Remove(id, out var before))
            return null;
        _newestFirst.RemoveAt(_newestFirst.BinarySearch(before, Order));
        return before;
    }

    /// <summary>Where <paramref name="article"/> (which must be in the set) stands, newest first.</summary>
    public int IndexOf(FeedArticle article) => _newestFirst.BinarySearch(article, Order);

    /// <summary>The order of every feed: newest publication first, then by id, so equal instants never swap.</summary>
    public static readonly IComparer<FeedArticle> Order = Comparer<FeedArticle>.Create((a, b) =>
    {
        var byDate = b.Article.PublishedAt.CompareTo(a.Article.PublishedAt);
        return byDate != 0 ? byDate : string.CompareOrdinal(a.Article.Id, b.Article.Id);
    });
}
