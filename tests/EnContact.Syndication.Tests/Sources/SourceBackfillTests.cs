using EnContact.Syndication.Sources;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Sources.SourcePollerTests;

namespace EnContact.Syndication.Tests.Sources;

public sealed class SourceBackfillTests
{
    [Fact]
    public async Task RunAsync_AtomArchivePages_WalksPrevArchiveOnceThenRefuses()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeText("/feed.atom", Atom("archive/2026-10.atom", Entry("e3"), Entry("e4")), "application/atom+xml");
        upstream.ServeText("/archive/2026-10.atom", Atom("2026-09.atom", Entry("e2")), "application/atom+xml");
        upstream.ServeText("/archive/2026-09.atom", Atom(null, Entry("e1")), "application/atom+xml");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("blog", upstream.Url("/feed.atom"), "free")));
        var backfill = gateway.Services.GetRequiredService<SourceBackfill>();

        var report = await backfill.RunAsync(gateway.Feed("blog"), again: false, CancellationToken.None);
        var refused = await backfill.RunAsync(gateway.Feed("blog"), again: false, CancellationToken.None);

        Assert.Null(report.Refused);
        Assert.Equal(3, report.Pages);
        Assert.Equal(4, report.Items.Created);
        Assert.Equal(4, (await gateway.FeedArticlesAsync("blog")).Count);
        Assert.Equal(1, upstream.RequestsTo("/archive/2026-09.atom"));
        Assert.Contains("--again", refused.Refused);
        Assert.Equal(1, upstream.RequestsTo("/feed.atom"));
        Assert.NotNull((await gateway.Services.GetRequiredService<SourceStore>().GetAsync("blog", CancellationToken.None))!.BackfilledAt);

        var again = await backfill.RunAsync(gateway.Feed("blog"), again: true, CancellationToken.None);

        Assert.Null(again.Refused);
        Assert.Equal(4, again.Items.Unchanged);
    }

    [Fact]
    public async Task RunAsync_WordPressWithoutArchiveLinks_ReadsPagedUntil404()
    {
        await using var upstream = await UpstreamServer.StartAsync();
        upstream.ServeText("/feed/", Rss(Item("p5", "Cinq"), Item("p4", "Quatre")), "application/rss+xml");
        upstream.ServeText("/feed/?paged=2", Rss(Item("p3", "Trois"), Item("p2", "Deux")), "application/rss+xml");
        upstream.ServeText("/feed/?paged=3", Rss(Item("p1", "Un")), "application/rss+xml");
        await using var gateway = await Gateway.CreateAsync(settings: SourceTesting.Settings(("cms", upstream.Url("/feed/"), "free")));

        var report = await gateway.Services.GetRequiredService<SourceBackfill>().RunAsync(gateway.Feed("cms"), again: false, CancellationToken.None);

        Assert.Null(report.Refused);
        Assert.Equal(3, report.Pages);
        Assert.Equal(5, (await gateway.FeedArticlesAsync("cms")).Count);
        Assert.Equal(1, upstream.RequestsTo("/feed/?paged=4"));
        Assert.Contains("404", report.Stop);
    }

    private static string Entry(string id) => $"""
        <entry><id>tag:blog.en-contact.example,2026:{id}</id><title>Article {id}</title><link href="/{id}/"/>
        <published>2026-10-01T08:00:00Z</published><updated>2026-10-01T08:00:00Z</updated>
        <content type="html">&lt;p&gt;Texte {id}.&lt;/p&gt;</content></entry>
        """;

    private static string Atom(string? prevArchive, params string[] entries) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="http://purl.org/syndication/history/1.0">
        <title>Blog</title><id>tag:blog.en-contact.example,2026:feed</id><updated>2026-11-01T00:00:00Z</updated>
        {(prevArchive is null ? "" : $"<link rel=\"prev-archive\" href=\"{prevArchive}\"/>")}
        {string.Join("\n", entries)}
        </feed>
        """;
}
