using EnContact.Syndication.Articles;
using EnContact.Syndication.Feeds;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Feeds;

/// <summary>Fixed articles for feed tests, made through the real normaliser and saved in the real store.</summary>
public static class FeedTestData
{
    public const string PremiumSecret = "TEXTE-RESERVE-AUX-ABONNES";

    public static readonly (string Id, ArticleDraft Draft)[] Articles =
    [
        ("ec-free", new ArticleDraft
        {
            Title = "Relation client : l’IA > le script & le reste",
            Published = "2026-11-20 09:30",
            Updated = "2026-11-21 18:00",
            Authors = ["Claire Dubois", "Jérôme Castaing"],
            Section = "analyses",
            Issue = "En-Contact 50",
            Tags = ["ia", "crm"],
            Summary = "Les « chatbots » ne remplacent pas tout.",
            Image = "images/plateau.jpg",
            BodyMarkdown = "Premier paragraphe avec un [lien relatif](/dossiers/ia) et du **gras**.\n\n## Intertitre\n\nSuite.",
        }),
        ("ec-premium", new ArticleDraft
        {
            Title = "Entretien : réinternaliser ou pas ?",
            Published = "2026-11-18 08:00",
            Authors = ["Zoé Martin"],
            Section = "entretiens",
            Access = "premium",
            Summary = "Une DRH raconte trois ans de réinternalisation.",
            BodyMarkdown = $"Le texte complet {PremiumSecret} que seuls les abonnés lisent.",
        }),
        ("ec-october", new ArticleDraft
        {
            Title = "Indiscrétions d’octobre",
            Published = "2026-10-15 10:00",
            Section = "indiscrétions",
            Tags = ["bpo"],
            BodyMarkdown = "Premier écho.\n\n---\n\nSecond écho.",
        }),
        ("ec-september", new ArticleDraft
        {
            Title = "Rentrée des centres de contacts",
            Published = "2026-09-01 07:00",
            Section = "analyses",
            BodyMarkdown = "La rentrée.",
        }),
        ("ec-draft", new ArticleDraft { Title = "Brouillon", Draft = true, BodyMarkdown = "Pas encore." }),
        ("ec-future", new ArticleDraft { Title = "Plus tard", Published = "2027-01-15 08:00", BodyMarkdown = "Bientôt." }),
    ];

    public static async Task SaveAllAsync(Gateway gateway)
    {
        foreach (var (id, draft) in Articles)
            await SaveAsync(gateway, id, draft);
    }

    public static async Task<Article> SaveAsync(Gateway gateway, string id, ArticleDraft draft)
    {
        var result = gateway.Services.GetRequiredService<ArticleNormalizer>().Normalize(draft, id, Article.ApiSource);
        var article = result.Article ?? throw new InvalidOperationException(string.Join("; ", result.Errors));
        return (await gateway.Articles.SaveAsync(article, CancellationToken.None)).Stored;
    }

    public static async Task<IReadOnlyDictionary<string, byte[]>> BuildAsync(Gateway gateway)
    {
        var articles = await gateway.Articles.ListPublishedAsync(CancellationToken.None);
        return gateway.Services.GetRequiredService<FeedSetBuilder>().Build(articles).ToDictionary(f => f.Path, f => f.Bytes);
    }
}
