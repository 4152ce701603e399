using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Ingestion;

/// <summary>The running worker with a real FileSystemWatcher on a temp folder; waits are on the store's change signal.</summary>
[Trait("Speed", "Slow")]
public sealed class ContentFolderWorkerTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Worker_IngestsAtStartThenFollowsCreateRenameDelete()
    {
        using var folder = new TempDirectory();
        Directory.CreateDirectory(folder.Combine("content"));
        File.WriteAllText(folder.Combine("content", "depart.md"), SampleArticles.Markdown(title: "Au départ"));
        await using var gateway = await Gateway.CreateAsync(start: true, ingestFolder: true, folder: folder);
        await gateway.Services.GetRequiredService<ContentFolderWorker>().InitialScan.WaitAsync(Patience);
        Assert.Equal("Au départ", (await gateway.SingleArticleAsync("depart")).Title);

        var seen = await gateway.Articles.CurrentVersionAsync(None);
        gateway.WriteContent("nouveau.md", SampleArticles.Markdown(title: "Nouveau"));
        await WaitForAsync(gateway, seen, id: "nouveau", a => a.Status == ArticleStatus.Published);

        seen = await gateway.Articles.CurrentVersionAsync(None);
        File.Move(Path.Combine(gateway.ContentPath, "depart.md"), Path.Combine(gateway.ContentPath, "renomme.md"));
        File.Delete(Path.Combine(gateway.ContentPath, "nouveau.md"));
        await WaitForAsync(gateway, seen, id: "nouveau", a => a.Status == ArticleStatus.Deleted);
        await WaitForAsync(gateway, seen, id: "depart", a => a.Source == "file:renomme.md");
        Assert.Equal(ArticleStatus.Published, (await gateway.SingleArticleAsync("depart")).Status);
    }

    [Fact]
    public async Task Worker_PeriodicRescanCatchesChangesWithoutEvents()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, ingestFolder: true,
            settings: new Dictionary<string, string?> { ["Ingestion:Watch"] = "false", ["Ingestion:RescanInterval"] = "00:05:00" });
        await gateway.Services.GetRequiredService<ContentFolderWorker>().InitialScan.WaitAsync(Patience);
        var seen = await gateway.Articles.CurrentVersionAsync(None);
        gateway.WriteContent("a.md", SampleArticles.Markdown());
        Assert.Null(await gateway.Articles.GetAsync("a", None));

        gateway.Clock!.Advance(TimeSpan.FromMinutes(5));
        await gateway.Articles.Changes.WaitForChangeAsync(seen, None).WaitAsync(Patience);

        Assert.Equal(ArticleStatus.Published, (await gateway.SingleArticleAsync("a")).Status);
    }

    /// <summary>Waits on the store's change signal (not on a timer) until the article satisfies the condition.</summary>
    private static async Task WaitForAsync(Gateway gateway, long seen, string id, Func<Article, bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var article = await gateway.Articles.GetAsync(id, None);
            if (article is not null && condition(article))
                return;
            await gateway.Articles.Changes.WaitForChangeAsync(seen, timeout.Token);
            seen = gateway.Articles.Changes.Version;
        }
    }
}
