using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Articles;

/// <summary>What the store remembers of an article's publication, and how it saves a settled article.</summary>
public sealed class ArticleStorePublicationTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static NormalizationResult Normalize(Gateway gateway, string title, string published = "2026-11-20 09:30", bool draft = false, string body = "Texte.")
    {
        var normalizer = gateway.Services.GetRequiredService<ArticleNormalizer>();
        var result = normalizer.Normalize(new ArticleDraft { Title = title, Published = published, Draft = draft, BodyMarkdown = body }, "a", Article.ApiSource);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return result;
    }

    private static Task<(SaveOutcome Outcome, Article Stored)> SaveSettledAsync(Gateway gateway, NormalizationResult result) =>
        gateway.Articles.SaveAsync("a", stored => gateway.Services.GetRequiredService<ArticleNormalizer>().Settle(result, stored), None);

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Save_PublishedArticle_RecordsWhenItWasFirstPublishedAndKeepsIt(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await gateway.Articles.SaveAsync(Normalize(gateway, "Titre").Article!, None);
        var first = await gateway.SingleArticleAsync("a");

        gateway.Clock!.Advance(TimeSpan.FromHours(1));
        await gateway.Articles.SaveAsync(Normalize(gateway, "Titre", draft: true).Article!, None);
        await gateway.Articles.MarkDeletedAsync("a", None);
        var deleted = await gateway.SingleArticleAsync("a");

        Assert.Equal(Gateway.DefaultNow, first.FirstPublishedAt);
        Assert.Equal(Gateway.DefaultNow, deleted.FirstPublishedAt);
        Assert.True(deleted.WasPublished);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Save_DraftAndScheduled_AreNotPublishedUntilTheirTimeComes(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var (_, draft) = await gateway.Articles.SaveAsync(Normalize(gateway, "Brouillon", draft: true).Article!, None);
        Assert.Null(draft.FirstPublishedAt);

        var (_, scheduled) = await gateway.Articles.SaveAsync(Normalize(gateway, "Bientôt", published: "2026-11-28 08:00").Article!, None);
        Assert.Equal(ArticleStatus.Scheduled, scheduled.Status);
        Assert.Null((await gateway.SingleArticleAsync("a")).FirstPublishedAt);

        gateway.Clock!.Advance(TimeSpan.FromDays(1));
        await gateway.Articles.PublishDueAsync(None);
        var live = await gateway.SingleArticleAsync("a");

        Assert.Equal(ArticleStatus.Published, live.Status);
        Assert.Equal(gateway.Clock.GetUtcNow(), live.FirstPublishedAt);
        // Its 'updated' is its publication time, not the moment the scheduler ran.
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero), live.UpdatedAt);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task SaveSettled_RetitledAfterScheduledPublication_KeepsSlugAndMovesUpdated(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await SaveSettledAsync(gateway, Normalize(gateway, "Bientôt", published: "2026-11-28 08:00"));
        gateway.Clock!.Advance(TimeSpan.FromDays(1));
        await gateway.Articles.PublishDueAsync(None);

        gateway.Clock.Advance(TimeSpan.FromMinutes(20));
        var (outcome, saved) = await SaveSettledAsync(gateway, Normalize(gateway, "Maintenant", published: "2026-11-28 08:00"));

        Assert.Equal(SaveOutcome.Updated, outcome);
        Assert.Equal("bientot", saved.Slug);
        Assert.Equal("https://www.en-contact.com/articles/bientot", saved.CanonicalUrl);
        Assert.Equal(gateway.Clock.GetUtcNow(), saved.UpdatedAt);
        var read = await gateway.SingleArticleAsync("a");
        Assert.Equal((saved.Slug, saved.UpdatedAt, saved.ContentHash, saved.FirstPublishedAt), (read.Slug, read.UpdatedAt, read.ContentHash, read.FirstPublishedAt));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task SaveSettled_SameSourceAgain_WritesNothing(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await SaveSettledAsync(gateway, Normalize(gateway, "Titre"));
        gateway.Clock!.Advance(TimeSpan.FromHours(1));
        var (_, corrected) = await SaveSettledAsync(gateway, Normalize(gateway, "Titre revu", body: "Texte corrigé."));
        var version = await gateway.Articles.CurrentVersionAsync(None);

        gateway.Clock.Advance(TimeSpan.FromHours(1));
        var (outcome, again) = await SaveSettledAsync(gateway, Normalize(gateway, "Titre revu", body: "Texte corrigé."));

        Assert.Equal(SaveOutcome.Unchanged, outcome);
        Assert.Equal(version, await gateway.Articles.CurrentVersionAsync(None));
        Assert.Equal((corrected.Slug, corrected.UpdatedAt, corrected.Version), (again.Slug, again.UpdatedAt, again.Version));
        Assert.Equal("titre", again.Slug);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Save_SameHashAndStatusButAnotherUpdated_Writes(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var article = Normalize(gateway, "Titre").Article!;
        await gateway.Articles.SaveAsync(article, None);

        var (outcome, saved) = await gateway.Articles.SaveAsync(article with { UpdatedAt = gateway.Clock!.GetUtcNow() }, None);

        Assert.Equal(SaveOutcome.Updated, outcome);
        Assert.Equal(Gateway.DefaultNow, (await gateway.SingleArticleAsync("a")).UpdatedAt);
        Assert.Equal(2L, saved.Version);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task SaveSettled_SettleThatChangesTheId_Throws(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var other = Normalize(gateway, "Titre").Article! with { Id = "b" };

        await Assert.ThrowsAsync<ArgumentException>(() => gateway.Articles.SaveAsync("a", _ => other, None));
        Assert.Equal(0L, await gateway.Articles.CurrentVersionAsync(None));
    }
}
