using EnContact.Syndication.Articles;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Feeds;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Digests;

/// <summary>Articles and subscribers for digest tests, made through the real normaliser and stores.</summary>
public static class DigestTestData
{
    /// <summary>Monday 30 November 2026, 08:00 in Paris: the first fire time after <see cref="Gateway.DefaultNow"/>.</summary>
    public static readonly DateTimeOffset Monday = new(2026, 11, 30, 7, 0, 0, TimeSpan.Zero);

    public static Task<Article> ArticleAsync(Gateway gateway, string id, string title, string? section, string published,
        bool premium = false, string? summary = null, string? image = null) =>
        FeedTestData.SaveAsync(gateway, id, new ArticleDraft
        {
            Title = title,
            Published = published,
            Section = section,
            Access = premium ? "premium" : null,
            Summary = summary ?? $"Le résumé de « {title} ».",
            Image = image,
            Authors = ["Claire Dubois"],
            BodyMarkdown = premium ? $"Le texte complet {FeedTestData.PremiumSecret}." : "Le texte de l’article.",
        });

    /// <summary>Active subscribers with consent (the import path); null sections = all.</summary>
    public static async Task<IReadOnlyList<Subscriber>> SubscribersAsync(Gateway gateway, params (string Address, string[]? Sections)[] people)
    {
        var store = gateway.Services.GetRequiredService<SubscriberStore>();
        var rows = people.Select((p, i) => new ImportRow(i + 2, p.Address, null, Gateway.DefaultNow.AddDays(-30), "tests", p.Sections)).ToList();
        var outcomes = await store.ImportAsync(rows, dryRun: false, null, CancellationToken.None);
        Assert.All(outcomes, o => Assert.Equal(ImportResult.Created, o.Result));
        var result = new List<Subscriber>();
        foreach (var (address, _) in people)
            result.Add((await store.FindAsync(address, CancellationToken.None))!);
        return result;
    }

    /// <summary>Three sections' worth of articles in the week before <see cref="Monday"/>, plus one older and one draft.</summary>
    public static async Task WeekAsync(Gateway gateway)
    {
        await ArticleAsync(gateway, "a1", "Relation client : l’IA > le script & le reste", "analyses", "2026-11-26 09:00");
        await ArticleAsync(gateway, "a2", "Externalisation : les contrats se durcissent", "analyses", "2026-11-24 10:00");
        await ArticleAsync(gateway, "e1", "Baromètre 2026 du nearshore", "études", "2026-11-25 08:00");
        await ArticleAsync(gateway, "i1", "Les indiscrétions de novembre", "indiscrétions", "2026-11-27 07:00", premium: true);
        await ArticleAsync(gateway, "old", "Un article d’octobre", "analyses", "2026-10-15 10:00");
        await FeedTestData.SaveAsync(gateway, "draft", new ArticleDraft { Title = "Brouillon", Draft = true, Section = "analyses", BodyMarkdown = "Pas encore." });
    }

    public static DigestBuilder Builder(Gateway gateway) => gateway.Services.GetRequiredService<DigestBuilder>();
    public static DigestStore Store(Gateway gateway) => gateway.Services.GetRequiredService<DigestStore>();
    public static DigestQueue Queue(Gateway gateway) => gateway.Services.GetRequiredService<DigestQueue>();
}
