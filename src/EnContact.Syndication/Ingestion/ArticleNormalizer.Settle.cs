using EnContact.Syndication.Articles;

namespace EnContact.Syndication.Ingestion;

public sealed partial class ArticleNormalizer
{
    /// <summary>
    /// The normalised article as it should be stored, given the version the store holds
    /// (<paramref name="stored"/>, null for a new article; read in the transaction that saves).
    /// <list type="bullet">
    /// <item>Slug: once readers have seen the article, its slug (and so its URL in feeds and sent
    /// digests) stays as it was unless the source names a slug; until then it follows the title.</item>
    /// <item><c>updated</c>: when the content hash changes for an article readers have seen, it
    /// becomes the time of that change, unless the source pins it. When the hash is unchanged the
    /// stored dates stay, so a rescan or an edit readers cannot see moves nothing.</item>
    /// </list>
    /// Pure: the same inputs and clock give the same article, and the same source and stored
    /// version the same hash, so an unchanged source still writes nothing.
    /// </summary>
    public Article Settle(NormalizationResult result, Article? stored)
    {
        var article = result.Article ?? throw new ArgumentException("only a valid result can be settled", nameof(result));
        if (stored is null)
            return article;
        if (stored.Id != article.Id)
            throw new ArgumentException($"stored article '{stored.Id}' is not article '{article.Id}'", nameof(stored));

        if (!result.SlugGiven && stored.WasPublished && stored.Slug != article.Slug)
        {
            var kept = article with { Slug = stored.Slug, CanonicalUrl = CanonicalUrl(article.Id, stored.Slug, article.Section) };
            article = WithHash(kept, result.UndatedDraft, result.UpdatedGiven);
        }

        if (article.ContentHash == stored.ContentHash)
        {
            // Nothing a reader sees has changed: the stored dates stand (an undated draft keeps its first date).
            return article with
            {
                PublishedAt = stored.PublishedAt,
                UpdatedAt = result.UpdatedGiven ? article.UpdatedAt : stored.UpdatedAt,
            };
        }

        if (result.UpdatedGiven || !stored.WasPublished)
            return article;
        var now = time.GetUtcNow();
        return article with { UpdatedAt = now > article.PublishedAt ? now : article.PublishedAt };
    }
}
