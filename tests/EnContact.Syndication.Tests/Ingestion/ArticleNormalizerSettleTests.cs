using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EnContact.Syndication.Tests.Ingestion;

/// <summary>How a normalised article is settled against the version the store holds: kept slug, moved <c>updated</c>, stable hash.</summary>
public sealed class ArticleNormalizerSettleTests
{
    private const string Id = "ec-2026-0042";
    private const string Source = "file:2026/ia.md";
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    /// <summary>2026-11-20 09:30 in Paris.</summary>
    private static readonly DateTimeOffset Published = new(2026, 11, 20, 8, 30, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly ArticleNormalizer _normalizer;

    public ArticleNormalizerSettleTests() => _normalizer = CreateNormalizer(new SiteOptions(), _clock);

    private static ArticleNormalizer CreateNormalizer(SiteOptions site, TimeProvider clock)
    {
        var options = Options.Create(site);
        return new ArticleNormalizer(options, new MagazineTime(options), clock);
    }

    private static ArticleDraft Draft(string title = "Le conseiller augmenté", string body = "Premier paragraphe.") => new()
    {
        Title = title,
        Published = "2026-11-20 09:30",
        Section = "analyses",
        BodyMarkdown = body,
    };

    private NormalizationResult Normalize(ArticleDraft draft)
    {
        var result = _normalizer.Normalize(draft, Id, Source);
        Assert.True(result.IsValid, string.Join(" | ", result.Errors));
        return result;
    }

    /// <summary>What the store holds after saving <paramref name="article"/>: first published when it was published.</summary>
    private static Article Stored(Article article, DateTimeOffset? firstPublished = null) => article with
    {
        FirstPublishedAt = firstPublished ?? (article.Status == ArticleStatus.Published ? Published : null),
        Version = 1,
    };

    [Fact]
    public void Settle_NewArticle_IsTheNormalisedArticle()
    {
        var result = Normalize(Draft());

        Assert.Same(result.Article, _normalizer.Settle(result, null));
    }

    [Fact]
    public void Settle_PublishedArticleRetitled_KeepsSlugAndUrl()
    {
        var stored = Stored(Normalize(Draft()).Article!);

        var settled = _normalizer.Settle(Normalize(Draft(title: "L’agent augmenté, deux ans après")), stored);

        Assert.Equal("le-conseiller-augmente", settled.Slug);
        Assert.Equal("https://www.en-contact.com/articles/le-conseiller-augmente", settled.CanonicalUrl);
        Assert.Equal("L’agent augmenté, deux ans après", settled.Title);
        Assert.NotEqual(stored.ContentHash, settled.ContentHash);
    }

    [Fact]
    public void Settle_SameRetitledSourceAgain_GivesTheStoredHashAndDates()
    {
        var original = Stored(Normalize(Draft()).Article!);
        _clock.Advance(TimeSpan.FromHours(2));
        var retitled = Normalize(Draft(title: "L’agent augmenté"));
        var stored = Stored(_normalizer.Settle(retitled, original), Published);

        _clock.Advance(TimeSpan.FromHours(2));
        var again = _normalizer.Settle(Normalize(Draft(title: "L’agent augmenté")), stored);

        Assert.Equal(stored.ContentHash, again.ContentHash);
        Assert.Equal((stored.Slug, stored.CanonicalUrl, stored.PublishedAt, stored.UpdatedAt), (again.Slug, again.CanonicalUrl, again.PublishedAt, again.UpdatedAt));
    }

    [Fact]
    public void Settle_NeverPublishedDraftRetitled_FollowsItsTitle()
    {
        var stored = Stored(Normalize(Draft() with { Draft = true }).Article!);

        var settled = _normalizer.Settle(Normalize(Draft(title: "Titre définitif") with { Draft = true }), stored);

        Assert.Null(stored.FirstPublishedAt);
        Assert.Equal("titre-definitif", settled.Slug);
        Assert.Equal("https://www.en-contact.com/articles/titre-definitif", settled.CanonicalUrl);
        Assert.Equal(Published, settled.UpdatedAt);
    }

    [Fact]
    public void Settle_DraftThatWasOncePublished_KeepsItsSlug()
    {
        var stored = Stored(Normalize(Draft()).Article!) with { Status = ArticleStatus.Draft };

        var settled = _normalizer.Settle(Normalize(Draft(title: "Autre titre") with { Draft = true }), stored);

        Assert.Equal("le-conseiller-augmente", settled.Slug);
    }

    [Fact]
    public void Settle_DeletedArticleThatWasPublished_ComesBackWithItsSlug()
    {
        var stored = Stored(Normalize(Draft()).Article!) with { Status = ArticleStatus.Deleted };

        var settled = _normalizer.Settle(Normalize(Draft(title: "Le retour")), stored);

        Assert.Equal("le-conseiller-augmente", settled.Slug);
    }

    [Fact]
    public void Settle_ExplicitSlug_WinsOverTheKeptOne()
    {
        var stored = Stored(Normalize(Draft()).Article!);

        var settled = _normalizer.Settle(Normalize(Draft(title: "Autre titre") with { Slug = "agent-augmente" }), stored);

        Assert.Equal("agent-augmente", settled.Slug);
        Assert.Equal("https://www.en-contact.com/articles/agent-augmente", settled.CanonicalUrl);
    }

    [Fact]
    public void Settle_ExplicitSlugRemovedAfterPublication_KeepsTheLastSlugAndChangesNothing()
    {
        var withSlug = Normalize(Draft() with { Slug = "agent-augmente" });
        var stored = Stored(_normalizer.Settle(withSlug, null));

        _clock.Advance(TimeSpan.FromHours(1));
        var settled = _normalizer.Settle(Normalize(Draft()), stored);

        Assert.Equal("agent-augmente", settled.Slug);
        Assert.Equal(stored.ContentHash, settled.ContentHash);
        Assert.Equal(stored.UpdatedAt, settled.UpdatedAt);
    }

    [Fact]
    public void Settle_KeptSlugWithSectionInUrl_RebuildsTheUrlFromTheKeptSlug()
    {
        var normalizer = CreateNormalizer(new SiteOptions { ArticleUrlTemplate = "{section}/{slug}" }, _clock);
        var stored = Stored(normalizer.Normalize(Draft(), Id, Source).Article!);

        var settled = normalizer.Settle(normalizer.Normalize(Draft(title: "Autre titre") with { Section = "Études" }, Id, Source), stored);

        Assert.Equal("https://www.en-contact.com/etudes/le-conseiller-augmente", settled.CanonicalUrl);
    }

    [Fact]
    public void Settle_BodyCorrectedAfterPublication_MovesUpdatedToNowButNotPublished()
    {
        var stored = Stored(Normalize(Draft()).Article!);
        _clock.Advance(TimeSpan.FromMinutes(30));

        var settled = _normalizer.Settle(Normalize(Draft(body: "Premier paragraphe, corrigé.")), stored);

        Assert.Equal(_clock.GetUtcNow(), settled.UpdatedAt);
        Assert.Equal(Published, settled.PublishedAt);
    }

    [Fact]
    public void Settle_BodyCorrectedWithPinnedUpdated_KeepsThePin()
    {
        var stored = Stored(Normalize(Draft()).Article!);
        _clock.Advance(TimeSpan.FromMinutes(30));

        var settled = _normalizer.Settle(Normalize(Draft(body: "Corrigé.") with { Updated = "2026-11-21 18:00" }), stored);

        Assert.Equal(new DateTimeOffset(2026, 11, 21, 17, 0, 0, TimeSpan.Zero), settled.UpdatedAt);
    }

    [Fact]
    public void Settle_PinEqualToPublishedAfterAMovedUpdated_GivesThePin()
    {
        var stored = Stored(Normalize(Draft()).Article!) with { UpdatedAt = Now };

        var settled = _normalizer.Settle(Normalize(Draft() with { Updated = "2026-11-20 09:30" }), stored);

        Assert.Equal(stored.ContentHash, settled.ContentHash);
        Assert.Equal(Published, settled.UpdatedAt);
    }

    [Fact]
    public void Settle_ChangeReadersDoNotSee_KeepsTheStoredUpdated()
    {
        var stored = Stored(Normalize(Draft()).Article!) with { UpdatedAt = Now };
        _clock.Advance(TimeSpan.FromHours(1));

        var settled = _normalizer.Settle(Normalize(Draft(title: "  Le conseiller   augmenté ")), stored);

        Assert.Equal(stored.ContentHash, settled.ContentHash);
        Assert.Equal(Now, settled.UpdatedAt);
    }

    [Fact]
    public void Settle_EditBeforeFirstPublication_UpdatedIsThePublicationTime()
    {
        var scheduled = Draft() with { Published = "2026-12-01 08:00" };
        var stored = Stored(Normalize(scheduled).Article!);
        _clock.Advance(TimeSpan.FromHours(1));

        var settled = _normalizer.Settle(Normalize(scheduled with { BodyMarkdown = "Texte revu." }), stored);

        Assert.Equal(ArticleStatus.Scheduled, settled.Status);
        Assert.Equal(settled.PublishedAt, settled.UpdatedAt);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 7, 0, 0, TimeSpan.Zero), settled.UpdatedAt);
    }

    [Fact]
    public void Settle_UndatedDraftAgainLater_KeepsItsFirstDate()
    {
        var undated = new ArticleDraft { Title = "Idée", Draft = true, BodyMarkdown = "Notes." };
        var stored = Stored(Normalize(undated).Article!);
        _clock.Advance(TimeSpan.FromDays(2));

        var settled = _normalizer.Settle(Normalize(undated), stored);

        Assert.Equal(stored.ContentHash, settled.ContentHash);
        Assert.Equal((Now, Now), (settled.PublishedAt, settled.UpdatedAt));
    }

    [Fact]
    public void Settle_AnotherArticle_Throws()
    {
        var stored = Stored(_normalizer.Normalize(Draft(), "autre", Source).Article!);

        Assert.Throws<ArgumentException>(() => _normalizer.Settle(Normalize(Draft()), stored));
    }
}
