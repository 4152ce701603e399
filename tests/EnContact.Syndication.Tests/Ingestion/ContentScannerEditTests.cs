using System.Text.Json;
using CodeHollow.FeedReader;
using CodeHollow.FeedReader.Feeds;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Ingestion;

/// <summary>
/// Edits of content files after publication, seen the way readers see them: the article keeps its
/// URL when its title changes, and its <c>updated</c> moves to the time of a correction.
/// </summary>
public sealed class ContentScannerEditTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Title = "Les centres de contacts face à l’IA";
    private const string Url = "https://www.en-contact.com/articles/les-centres-de-contacts-face-a-l-ia";
    /// <summary>2026-11-20 09:30 in Paris, as <see cref="SampleArticles.Markdown"/> writes it.</summary>
    private static readonly DateTimeOffset Published = new(2026, 11, 20, 8, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task Scan_PublishedArticleRetitledAndCorrected_FeedsKeepItsUrlAndShowTheCorrectionTime()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        using var reader = gateway.NewClient(null);
        gateway.WriteContent("2026/centres-ia.md", SampleArticles.Markdown(title: Title));
        await gateway.ScanAsync();
        await gateway.WaitForFeedsAsync();
        var first = Assert.Single(FeedReader.ReadFromByteArray(await reader.GetByteArrayAsync("/feeds/all.atom")).Items);
        Assert.Equal(Url, first.Link);

        gateway.Clock!.Advance(TimeSpan.FromHours(3));
        var correctedAt = gateway.Clock.GetUtcNow();
        gateway.WriteContent("2026/centres-ia.md", SampleArticles.Markdown(
            title: "Les centres de contacts à l’épreuve de l’IA", body: "Premier paragraphe, chiffres corrigés."));
        var report = await gateway.ScanAsync();
        await gateway.WaitForFeedsAsync();

        Assert.Equal(1, report.Updated);
        var atom = FeedReader.ReadFromByteArray(await reader.GetByteArrayAsync("/feeds/all.atom"));
        var entry = Assert.Single(atom.Items);
        Assert.Equal("Les centres de contacts à l’épreuve de l’IA", entry.Title);
        Assert.Equal(first.Id, entry.Id);
        Assert.Equal(Url, entry.Link);
        var atomEntry = (AtomFeedItem)entry.SpecificItem;
        Assert.Equal(correctedAt, DateTimeOffset.Parse(atomEntry.UpdatedDateString));
        Assert.Equal(Published, DateTimeOffset.Parse(atomEntry.PublishedDateString));
        Assert.Equal(correctedAt, DateTimeOffset.Parse(((AtomFeed)atom.SpecificFeed).UpdatedDateString));

        using var json = JsonDocument.Parse(await reader.GetByteArrayAsync("/feeds/all.json"));
        var item = json.RootElement.GetProperty("items")[0];
        Assert.Equal(Url, item.GetProperty("url").GetString());
        Assert.Equal(correctedAt, DateTimeOffset.Parse(item.GetProperty("date_modified").GetString()!));
        Assert.Equal(Published, DateTimeOffset.Parse(item.GetProperty("date_published").GetString()!));

        var rss = (Rss20Feed)FeedReader.ReadFromByteArray(await reader.GetByteArrayAsync("/feeds/all.rss")).SpecificFeed;
        Assert.Equal("Fri, 27 Nov 2026 13:00:00 +0100", rss.LastBuildDateString); // 12:00 UTC in Paris
        Assert.Equal(Url, Assert.Single(rss.Items).Link);
    }

    [Fact]
    public async Task Scan_BodyCorrectedAfterPublication_MovesUpdatedToTheCorrectionTimeOnly()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: Title));
        await gateway.ScanAsync();
        var original = await gateway.SingleArticleAsync("a");

        gateway.Clock!.Advance(TimeSpan.FromMinutes(90));
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: Title, body: "Premier paragraphe, avec le bon chiffre."));
        await gateway.ScanAsync();
        var corrected = await gateway.SingleArticleAsync("a");

        Assert.Equal(Published, original.UpdatedAt);
        Assert.Equal(gateway.Clock.GetUtcNow(), corrected.UpdatedAt);
        Assert.Equal(Published, corrected.PublishedAt);
        Assert.Equal(original.CanonicalUrl, corrected.CanonicalUrl);
    }

    [Fact]
    public async Task Scan_EditReadersDoNotSee_WritesNothingAndKeepsKeptSlugAndUpdated()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: Title));
        await gateway.ScanAsync();
        gateway.Clock!.Advance(TimeSpan.FromHours(1));
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Un titre revu"));
        await gateway.ScanAsync();
        var edited = await gateway.SingleArticleAsync("a");
        var version = await gateway.Articles.CurrentVersionAsync(None);

        // Same text, a YAML comment and extra spaces: nothing a reader sees.
        gateway.Clock.Advance(TimeSpan.FromHours(1));
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Un   titre revu", extraFrontMatter: "# relu par la rédaction"));
        var report = await gateway.ScanAsync();

        Assert.Equal(1, report.Unchanged);
        Assert.Equal(0, report.Updated);
        Assert.Equal(version, await gateway.Articles.CurrentVersionAsync(None));
        var after = await gateway.SingleArticleAsync("a");
        Assert.Equal((edited.Slug, edited.CanonicalUrl, edited.UpdatedAt, edited.ContentHash), (after.Slug, after.CanonicalUrl, after.UpdatedAt, after.ContentHash));
        Assert.Equal("les-centres-de-contacts-face-a-l-ia", after.Slug);
    }

    [Fact]
    public async Task Scan_DraftRetitled_FollowsItsTitleUntilPublished()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Titre provisoire", extraFrontMatter: "draft: true"));
        await gateway.ScanAsync();

        gateway.Clock!.Advance(TimeSpan.FromHours(1));
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Titre définitif", extraFrontMatter: "draft: true"));
        await gateway.ScanAsync();
        var draft = await gateway.SingleArticleAsync("a");
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Titre définitif"));
        await gateway.ScanAsync();
        var published = await gateway.SingleArticleAsync("a");

        Assert.Equal("titre-definitif", draft.Slug);
        Assert.Equal(ArticleStatus.Published, published.Status);
        Assert.Equal("https://www.en-contact.com/articles/titre-definitif", published.CanonicalUrl);
        // Readers never saw an earlier version: 'updated' is the publication time.
        Assert.Equal(Published, published.UpdatedAt);
    }

    [Fact]
    public async Task Scan_ScheduledArticlePublishedThenRetitled_KeepsTheSlugItWasPublishedWith()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Avant-première", published: "2026-11-28 08:00"));
        await gateway.ScanAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Première", published: "2026-11-28 08:00"));
        await gateway.ScanAsync();
        Assert.Equal(ArticleStatus.Scheduled, (await gateway.SingleArticleAsync("a")).Status);

        gateway.Clock!.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await gateway.Articles.PublishDueAsync(None));
        var live = await gateway.SingleArticleAsync("a");
        gateway.Clock.Advance(TimeSpan.FromHours(2));
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Première, édition revue", published: "2026-11-28 08:00"));
        await gateway.ScanAsync();
        var retitled = await gateway.SingleArticleAsync("a");

        Assert.Equal("premiere", live.Slug);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero), live.UpdatedAt);
        Assert.Equal("premiere", retitled.Slug);
        Assert.Equal("https://www.en-contact.com/articles/premiere", retitled.CanonicalUrl);
        Assert.Equal(gateway.Clock.GetUtcNow(), retitled.UpdatedAt);
        Assert.Equal(live.PublishedAt, retitled.PublishedAt);
    }

    [Fact]
    public async Task Scan_ExplicitSlugThenRemoved_KeepsTheLastSlug()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: Title));
        await gateway.ScanAsync();

        gateway.WriteContent("a.md", SampleArticles.Markdown(title: Title, extraFrontMatter: "slug: centres-et-ia"));
        await gateway.ScanAsync();
        var renamed = await gateway.SingleArticleAsync("a");
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Encore un autre titre"));
        await gateway.ScanAsync();
        var after = await gateway.SingleArticleAsync("a");

        Assert.Equal("centres-et-ia", renamed.Slug);
        Assert.Equal("centres-et-ia", after.Slug);
        Assert.Equal("https://www.en-contact.com/articles/centres-et-ia", after.CanonicalUrl);
        Assert.Equal("Encore un autre titre", after.Title);
    }

    [Fact]
    public async Task Scan_RenamedAndRetitledFile_KeepsItsSlug()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("brouillon.md", SampleArticles.Markdown(title: Title));
        await gateway.ScanAsync();

        File.Move(Path.Combine(gateway.ContentPath, "brouillon.md"), Path.Combine(gateway.ContentPath, "definitif.md"));
        await gateway.ScanAsync();
        gateway.WriteContent("definitif.md", SampleArticles.Markdown(title: "Titre de la version imprimée"));
        await gateway.ScanAsync();

        var article = await gateway.SingleArticleAsync("brouillon");
        Assert.Equal("file:definitif.md", article.Source);
        Assert.Equal("Titre de la version imprimée", article.Title);
        Assert.Equal(Url, article.CanonicalUrl);
    }

    [Fact]
    public async Task Scan_DeletedThenRecreatedWithNewTitle_ComesBackUnderItsOldUrl()
    {
        await using var gateway = await Gateway.CreateAsync();
        var path = gateway.WriteContent("a.md", SampleArticles.Markdown(title: Title));
        await gateway.ScanAsync();
        File.Delete(path);
        await gateway.ScanAsync();
        Assert.Equal(ArticleStatus.Deleted, (await gateway.SingleArticleAsync("a")).Status);

        gateway.Clock!.Advance(TimeSpan.FromHours(4));
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Le retour de l’article", body: "Texte remanié."));
        await gateway.ScanAsync();

        var back = await gateway.SingleArticleAsync("a");
        Assert.Equal(ArticleStatus.Published, back.Status);
        Assert.Equal(Url, back.CanonicalUrl);
        Assert.Equal(gateway.Clock.GetUtcNow(), back.UpdatedAt);
    }

    [Fact]
    public async Task Scan_KeptSlugTakenMeanwhile_IsReportedAndLastGoodVersionStays()
    {
        await using var gateway = await Gateway.CreateAsync();
        var path = gateway.WriteContent("a.md", SampleArticles.Markdown(title: Title));
        await gateway.ScanAsync();
        File.Delete(path);
        await gateway.ScanAsync();
        gateway.WriteContent("b.md", SampleArticles.Markdown(title: Title));
        await gateway.ScanAsync();

        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Le retour de l’article"));
        var report = await gateway.ScanAsync();

        Assert.Equal(1, report.Problems);
        var problem = Assert.Single(await gateway.Sources.ListProblemsAsync(None));
        Assert.Equal("file:a.md", problem.Source);
        Assert.Contains("slug 'les-centres-de-contacts-face-a-l-ia' is already used by article 'b'", problem.Reason);
        Assert.Equal(ArticleStatus.Deleted, (await gateway.SingleArticleAsync("a")).Status);

        // Giving it a slug of its own publishes it.
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Le retour de l’article", extraFrontMatter: "slug: le-retour"));
        await gateway.ScanAsync();
        Assert.Equal("le-retour", (await gateway.SingleArticleAsync("a")).Slug);
        Assert.Empty(await gateway.Sources.ListProblemsAsync(None));
    }

    [Fact]
    public async Task Scan_CorrectionWithPinnedUpdated_ShowsThePinnedTime()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: Title));
        await gateway.ScanAsync();

        gateway.Clock!.Advance(TimeSpan.FromHours(3));
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: Title, body: "Texte corrigé.", extraFrontMatter: "updated: 2026-11-21 18:00"));
        await gateway.ScanAsync();

        var article = await gateway.SingleArticleAsync("a");
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 17, 0, 0, TimeSpan.Zero), article.UpdatedAt);
        Assert.Equal(Published, article.PublishedAt);
    }
}
