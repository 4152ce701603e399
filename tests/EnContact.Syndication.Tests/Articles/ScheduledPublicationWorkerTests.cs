using EnContact.Syndication.Articles;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Articles;

[Trait("Speed", "Slow")]
public sealed class ScheduledPublicationWorkerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task FutureArticle_IsPublishedWhenItsTimeComes_WithoutRestart()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        gateway.WriteContent("futur.md", SampleArticles.Markdown(published: "2026-11-30 08:00")); // 07:00Z
        gateway.WriteContent("present.md", SampleArticles.Markdown(title: "Déjà paru", published: "2026-11-26 08:00"));
        await gateway.ScanAsync();
        Assert.Equal(ArticleStatus.Scheduled, (await gateway.SingleArticleAsync("futur")).Status);
        Assert.Equal(ArticleStatus.Published, (await gateway.SingleArticleAsync("present")).Status);

        var seen = await gateway.Articles.CurrentVersionAsync(None);
        gateway.Clock!.Advance(TimeSpan.FromDays(2)); // 29 Nov, 09:00Z: not yet
        Assert.Equal(ArticleStatus.Scheduled, (await gateway.SingleArticleAsync("futur")).Status);

        gateway.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 30, 7, 0, 0, TimeSpan.Zero));
        await gateway.Articles.Changes.WaitForChangeAsync(seen, None).WaitAsync(TimeSpan.FromSeconds(30));

        var published = await gateway.SingleArticleAsync("futur");
        Assert.Equal(ArticleStatus.Published, published.Status);
        Assert.True(published.Version > seen);
    }

    [Fact]
    public async Task Worker_WakesForArticleScheduledAfterItWentToSleep()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await gateway.Articles.CurrentVersionAsync(None);

        // The worker is asleep with nothing scheduled; a new article due in 10 minutes arrives.
        gateway.WriteContent("bientot.md", SampleArticles.Markdown(published: "2026-11-27 10:10")); // 09:10Z
        await gateway.ScanAsync();
        var seen = await gateway.Articles.CurrentVersionAsync(None);

        gateway.Clock!.Advance(TimeSpan.FromMinutes(20));
        await gateway.Articles.Changes.WaitForChangeAsync(seen, None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ArticleStatus.Published, (await gateway.SingleArticleAsync("bientot")).Status);
    }

    [Fact]
    public async Task PublishDue_DraftsAreNeverPublished()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("brouillon.md", SampleArticles.Markdown(published: "2026-11-28 08:00", extraFrontMatter: "draft: true"));
        await gateway.ScanAsync();
        gateway.Clock!.Advance(TimeSpan.FromDays(10));

        var count = await gateway.Articles.PublishDueAsync(None);

        Assert.Equal(0, count);
        Assert.Equal(ArticleStatus.Draft, (await gateway.SingleArticleAsync("brouillon")).Status);
    }
}
