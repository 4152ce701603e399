using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Articles;

public sealed class ArticleStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static Article Sample(Gateway gateway, string id, string title, string published = "2026-11-20 09:30", bool draft = false)
    {
        var normalizer = gateway.Services.GetRequiredService<ArticleNormalizer>();
        var result = normalizer.Normalize(new ArticleDraft { Title = title, Published = published, Draft = draft, BodyMarkdown = "Texte." }, id, Article.ApiSource);
        return result.Article ?? throw new InvalidOperationException(string.Join("; ", result.Errors));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Save_SameArticleTwice_SecondWritesNothing(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var article = Sample(gateway, "a", "Titre");

        var (first, stored) = await gateway.Articles.SaveAsync(article, None);
        var (second, again) = await gateway.Articles.SaveAsync(article, None);

        Assert.Equal(SaveOutcome.Created, first);
        Assert.Equal(SaveOutcome.Unchanged, second);
        Assert.Equal(stored.Version, again.Version);
        Assert.Equal(1L, await gateway.Articles.CurrentVersionAsync(None));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task ChangedSince_ReturnsOnlyLaterChangesInOrder(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await gateway.Articles.SaveAsync(Sample(gateway, "a", "A"), None);
        var mark = await gateway.Articles.CurrentVersionAsync(None);
        await gateway.Articles.SaveAsync(Sample(gateway, "b", "B"), None);
        await gateway.Articles.SaveAsync(Sample(gateway, "a", "A modifié"), None);
        await gateway.Articles.MarkDeletedAsync("b", None);

        var changed = await gateway.Articles.ChangedSinceAsync(mark, 100, None);

        Assert.Equal(["a", "b"], changed.Select(a => a.Id));
        Assert.Equal(ArticleStatus.Deleted, changed[1].Status);
        Assert.Equal(4L, gateway.Articles.Changes.Version);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Notifier_WakesWaitersOnCommit(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var seen = await gateway.Articles.CurrentVersionAsync(None);
        var waiting = gateway.Articles.Changes.WaitForChangeAsync(seen, None);
        Assert.False(waiting.IsCompleted);

        await gateway.Articles.SaveAsync(Sample(gateway, "a", "A"), None);

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(gateway.Articles.Changes.Version > seen);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Save_SlugOfDeletedArticle_IsFree(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await gateway.Articles.SaveAsync(Sample(gateway, "a", "Même titre"), None);
        await Assert.ThrowsAsync<SlugConflictException>(() => gateway.Articles.SaveAsync(Sample(gateway, "b", "Même titre"), None));

        await gateway.Articles.MarkDeletedAsync("a", None);
        var (outcome, _) = await gateway.Articles.SaveAsync(Sample(gateway, "b", "Même titre"), None);

        Assert.Equal(SaveOutcome.Created, outcome);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task RoundTrip_KeepsEveryField(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var normalizer = gateway.Services.GetRequiredService<ArticleNormalizer>();
        var article = normalizer.Normalize(new ArticleDraft
        {
            Title = "Titre « accentué » & <balisé>",
            Published = "2026-10-25 02:30",
            Updated = "2026-11-01 10:00",
            Authors = ["Zoé Martin", "Élie Benali"],
            Section = "indiscrétions",
            Issue = "En-Contact 50",
            Tags = ["bpo", "Maroc"],
            Access = "premium",
            Summary = "Résumé 😀 עברית",
            Image = "images/a.jpg",
            BodyMarkdown = "Texte **gras**.",
        }, "rt", Article.ApiSource).Article!;

        await gateway.Articles.SaveAsync(article, None);
        var read = await gateway.SingleArticleAsync("rt");

        Assert.Equal(article.Title, read.Title);
        Assert.Equal(article.Authors, read.Authors);
        Assert.Equal(["bpo", "maroc"], read.Tags);
        Assert.Equal("indiscrétions", read.Section);
        Assert.Equal("En-Contact 50", read.Issue);
        Assert.Equal(ArticleAccess.Premium, read.Access);
        Assert.Equal("Résumé 😀 עברית", read.Summary);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), read.PublishedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero), read.UpdatedAt);
        Assert.Equal("https://www.en-contact.com/images/a.jpg", read.ImageUrl);
        Assert.Equal(article.ContentHash, read.ContentHash);
        Assert.Equal(article.ContentHash, ArticleNormalizer.HashOf(read));
    }
}
