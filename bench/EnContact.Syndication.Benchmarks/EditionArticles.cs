using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace EnContact.Syndication.Benchmarks;

/// <summary>The articles an edition is built from, for the modes that need a real edition (scale, bounces).</summary>
public static class EditionArticles
{
    /// <summary>
    /// The benchmarks' generated articles (parsed and normalised as ingestion does), round-robin over
    /// <paramref name="sections"/>, published evenly over the 7 days before <paramref name="fireAt"/>;
    /// returns the first one (a model for writers that save more).
    /// </summary>
    public static async Task<Article> SaveAsync(IServiceProvider services, int count, IReadOnlyList<string> sections, DateTimeOffset fireAt, CancellationToken cancellationToken)
    {
        var normalizer = services.GetRequiredService<ArticleNormalizer>();
        var articles = services.GetRequiredService<ArticleStore>();
        var generated = new ArticleGenerator(20261127).Generate(count).ToList();
        Article? first = null;
        for (var i = 0; i < generated.Count; i++)
        {
            var parsed = FrontMatterParser.Parse(generated[i].Bytes);
            var article = normalizer.Normalize(parsed.Draft!, ContentPaths.DerivedId(generated[i].RelativePath), ContentPaths.SourceOf(generated[i].RelativePath)).Article
                ?? throw new InvalidOperationException($"generated article {i} does not normalise");
            var published = fireAt - TimeSpan.FromDays(7) * ((i + 0.5) / generated.Count);
            article = article with { Section = sections[i % sections.Count], PublishedAt = published, UpdatedAt = published, Status = ArticleStatus.Published };
            await articles.SaveAsync(article, cancellationToken);
            first ??= article;
        }
        return first!;
    }
}
