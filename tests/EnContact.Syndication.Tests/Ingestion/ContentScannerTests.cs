using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Ingestion;

public sealed class ContentScannerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Scan_SampleContent_IngestsEveryArticleWithItsStatus()
    {
        await using var gateway = await Gateway.CreateAsync();
        SampleArticles.CopySampleContentTo(gateway.ContentPath);

        var report = await gateway.ScanAsync();

        Assert.Equal(0, report.Problems);
        Assert.Equal(10, report.Created);
        Assert.Empty(await gateway.Sources.ListProblemsAsync(None));
        var all = (await gateway.Articles.ListAsync(new ArticleQuery { PageSize = 100 }, None)).Items;
        Assert.Equal(10, all.Count);
        Assert.Single(all, a => a.Status == ArticleStatus.Draft);
        Assert.Single(all, a => a.Status == ArticleStatus.Scheduled);
        Assert.Equal(2, all.Count(a => a.Access == ArticleAccess.Premium));
        Assert.Contains(all, a => a.Section == "indiscrétions");
        Assert.Contains(all, a => a.Title.Contains('>') && a.Title.Contains('&'));

        var column = Assert.Single(all, a => a.Section == "indiscrétions");
        Assert.True(column.ContentHtml.Split("<hr").Length - 1 >= 3, "the column keeps its horizontal rules");

        var interview = await gateway.SingleArticleAsync("ec-2026-0001");
        Assert.Equal("file:2026/entretien-berenice-halgand-reinternalisation.md", interview.Source);

        var offsetDated = await gateway.SingleArticleAsync("2026-ia-generative-conseiller-augmente");
        Assert.Equal(new DateTimeOffset(2026, 10, 27, 6, 45, 0, TimeSpan.Zero), offsetDated.PublishedAt);

        var withImage = await gateway.SingleArticleAsync("2026-maroc-nearshore-penurie-talents");
        Assert.Equal("https://www.en-contact.com/images/plateau-casablanca.jpg", withImage.ImageUrl);
        Assert.Equal(new DateTimeOffset(2026, 9, 15, 8, 0, 0, TimeSpan.Zero), withImage.PublishedAt); // 10:00 summer time in Paris
        Assert.DoesNotContain("href=\"/", withImage.ContentHtml);
    }

    [Fact]
    public async Task Scan_Twice_SecondScanWritesNothing()
    {
        await using var gateway = await Gateway.CreateAsync();
        SampleArticles.CopySampleContentTo(gateway.ContentPath);
        await gateway.ScanAsync();
        var version = await gateway.Articles.CurrentVersionAsync(None);

        var again = await gateway.ScanAsync();

        Assert.Equal(10, again.Unchanged);
        Assert.Equal(0, again.Created + again.Updated + again.Deleted + again.Renamed + again.Problems);
        Assert.Equal(version, await gateway.Articles.CurrentVersionAsync(None));
    }

    [Fact]
    public async Task Scan_TouchedFileWithSameBytes_WritesNothing()
    {
        await using var gateway = await Gateway.CreateAsync();
        var path = gateway.WriteContent("a.md", SampleArticles.Markdown());
        await gateway.ScanAsync();
        var version = await gateway.Articles.CurrentVersionAsync(None);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(5));

        var report = await gateway.ScanAsync();

        Assert.Equal(1, report.Unchanged);
        Assert.Equal(version, await gateway.Articles.CurrentVersionAsync(None));
    }

    [Fact]
    public async Task Scan_EditedFile_UpdatesArticleAndMovesVersion()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("2026/a.md", SampleArticles.Markdown(title: "Premier titre"));
        await gateway.ScanAsync();
        var before = await gateway.SingleArticleAsync("2026-a");

        gateway.WriteContent("2026/a.md", SampleArticles.Markdown(title: "Second titre", extraFrontMatter: "slug: premier-titre"));
        var report = await gateway.ScanAsync();

        var after = await gateway.SingleArticleAsync("2026-a");
        Assert.Equal(1, report.Updated);
        Assert.Equal("Second titre", after.Title);
        Assert.True(after.Version > before.Version);
        var changed = await gateway.Articles.ChangedSinceAsync(before.Version, 10, None);
        Assert.Equal("2026-a", Assert.Single(changed).Id);
    }

    [Fact]
    public async Task Scan_RenamedFile_KeepsIdAndSlugChangeKeepsId()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("2026/brouillon-nom.md", SampleArticles.Markdown(title: "Le titre d’origine"));
        await gateway.ScanAsync();
        var original = await gateway.SingleArticleAsync("2026-brouillon-nom");

        File.Move(Path.Combine(gateway.ContentPath, "2026/brouillon-nom.md"), Path.Combine(gateway.ContentPath, "2026/nom-definitif.md"));
        var renamed = await gateway.ScanAsync();

        Assert.Equal(1, renamed.Renamed);
        Assert.Equal(0, renamed.Deleted);
        var moved = await gateway.SingleArticleAsync("2026-brouillon-nom");
        Assert.Equal(ArticleStatus.Published, moved.Status);
        Assert.Equal("file:2026/nom-definitif.md", moved.Source);
        Assert.Equal(original.Version, moved.Version); // readers see nothing new
        Assert.Null(await gateway.Articles.GetAsync("2026-nom-definitif", None));

        // Then the title and slug change: still the same article.
        gateway.WriteContent("2026/nom-definitif.md", SampleArticles.Markdown(title: "Un tout autre titre", extraFrontMatter: "slug: un-autre-slug"));
        await gateway.ScanAsync();
        var edited = await gateway.SingleArticleAsync("2026-brouillon-nom");
        Assert.Equal("un-autre-slug", edited.Slug);
        Assert.Equal(1, (await gateway.Articles.ListAsync(new ArticleQuery(), None)).Total);
    }

    [Fact]
    public async Task Scan_RenamedAndEditedFileWithFrontMatterId_KeepsId()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("old.md", SampleArticles.Markdown(title: "Avant", extraFrontMatter: "id: ec-42"));
        await gateway.ScanAsync();

        File.Delete(Path.Combine(gateway.ContentPath, "old.md"));
        gateway.WriteContent("new-name.md", SampleArticles.Markdown(title: "Après", extraFrontMatter: "id: ec-42"));
        var report = await gateway.ScanAsync();

        Assert.Equal(0, report.Deleted);
        Assert.Equal(1, report.Renamed);
        var article = await gateway.SingleArticleAsync("ec-42");
        Assert.Equal("Après", article.Title);
        Assert.Equal(ArticleStatus.Published, article.Status);
        Assert.Equal("file:new-name.md", article.Source);
    }

    [Fact]
    public async Task Scan_RemovedFile_MarksArticleDeletedButKeepsIt()
    {
        await using var gateway = await Gateway.CreateAsync();
        var path = gateway.WriteContent("a.md", SampleArticles.Markdown());
        await gateway.ScanAsync();
        var before = await gateway.SingleArticleAsync("a");

        File.Delete(path);
        var report = await gateway.ScanAsync();

        Assert.Equal(1, report.Deleted);
        var after = await gateway.SingleArticleAsync("a");
        Assert.Equal(ArticleStatus.Deleted, after.Status);
        Assert.Equal(before.Title, after.Title);
        Assert.True(after.Version > before.Version);

        // The file comes back: the same article is published again under the same id.
        gateway.WriteContent("a.md", SampleArticles.Markdown());
        await gateway.ScanAsync();
        Assert.Equal(ArticleStatus.Published, (await gateway.SingleArticleAsync("a")).Status);
    }

    public static TheoryData<string, byte[], string, int?> BrokenFiles => new()
    {
        { "invalid YAML", Utf8("---\ntitle: \"Titre\npublished: 2026-11-20 09:30\n---\nCorps\n"), "invalid YAML", null },
        { "missing title", Utf8("---\npublished: 2026-11-20 09:30\n---\nCorps\n"), "title: is required", null },
        { "bad date", Utf8("---\ntitle: Titre\npublished: 2026-13-45 09:30\n---\nCorps\n"), "is not a date", 3 },
        { "non-existent local time", Utf8("---\ntitle: Titre\npublished: 2026-03-29 02:30\n---\nCorps\n"), "does not exist in Europe/Paris", 3 },
        { "unknown access", Utf8("---\ntitle: Titre\npublished: 2026-11-20 09:30\naccess: gold\n---\nCorps\n"), "'gold' is not an access level", 4 },
        { "invalid UTF-8", [.. Utf8("---\ntitle: Titre\npublished: 2026-11-20 09:30\n---\nCaf"), 0xC3, 0x28, .. Utf8("\n")], "not valid UTF-8", 5 },
        { "no front matter", Utf8("Juste du texte\n"), "does not start with a '---' line", 1 },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public async Task Scan_BrokenEditOfGoodFile_KeepsLastGoodVersionAndListsProblem(string kind, byte[] broken, string reason, int? line)
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("2026/article.md", SampleArticles.Markdown(title: "Version correcte"));
        await gateway.ScanAsync();
        var good = await gateway.SingleArticleAsync("2026-article");

        gateway.WriteContent("2026/article.md", broken);
        var report = await gateway.ScanAsync();

        Assert.Equal(1, report.Problems);
        var kept = await gateway.SingleArticleAsync("2026-article");
        Assert.Equal((good.Version, good.ContentHash, good.Status, good.Title), (kept.Version, kept.ContentHash, kept.Status, kept.Title));
        var problem = Assert.Single(await gateway.Sources.ListProblemsAsync(None));
        Assert.Equal("file:2026/article.md", problem.Source);
        Assert.Contains(reason, problem.Reason);
        if (line is not null)
            Assert.Equal(line, problem.Line);
        Assert.False(string.IsNullOrEmpty(kind));

        // Fixing the file publishes the fix and clears the problem.
        gateway.WriteContent("2026/article.md", SampleArticles.Markdown(title: "Version corrigée"));
        await gateway.ScanAsync();
        Assert.Equal("Version corrigée", (await gateway.SingleArticleAsync("2026-article")).Title);
        Assert.Empty(await gateway.Sources.ListProblemsAsync(None));
    }

    [Fact]
    public async Task Scan_InvalidYaml_ReportsTheFileLine()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", "---\ntitle: Titre\npublished: 2026-11-20 09:30\nsection: analyses: et plus\n---\nCorps\n");

        await gateway.ScanAsync();

        var problem = Assert.Single(await gateway.Sources.ListProblemsAsync(None));
        Assert.Contains("invalid YAML", problem.Reason);
        Assert.Equal(4, problem.Line);
    }

    [Fact]
    public async Task Scan_UnclosedYamlList_IsAProblemNotACrash()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", "---\ntitle: Titre\npublished: 2026-11-20 09:30\ntags: [un, deux\nsection: analyses\n---\nCorps\n");
        gateway.WriteContent("b.md", SampleArticles.Markdown(title: "B"));

        var report = await gateway.ScanAsync();

        Assert.Equal(1, report.Created);
        var problem = Assert.Single(await gateway.Sources.ListProblemsAsync(None));
        Assert.Equal("file:a.md", problem.Source);
        Assert.Contains("invalid YAML", problem.Reason);
    }

    [Fact]
    public async Task Scan_OversizedFile_IsSkippedWithoutReadingAndReportedOnce()
    {
        await using var gateway = await Gateway.CreateAsync();
        var big = SampleArticles.Markdown(body: new string('x', 20 * 1024 * 1024));
        gateway.WriteContent("huge.md", big);

        var first = await gateway.ScanAsync();
        var version = await gateway.Articles.CurrentVersionAsync(None);
        var second = await gateway.ScanAsync();

        Assert.Equal(1, first.Problems);
        var problem = Assert.Single(await gateway.Sources.ListProblemsAsync(None));
        Assert.Contains("the limit is 4.0 MiB (Ingestion:MaxFileBytes)", problem.Reason);
        Assert.Equal(1, second.Problems);
        Assert.Equal(version, await gateway.Articles.CurrentVersionAsync(None));
        Assert.Null(await gateway.Articles.GetAsync("huge", None));
    }

    [Fact]
    public async Task Scan_UnchangedBrokenFile_IsNotRecordedAgain()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", "---\npublished: 2026-11-20 09:30\n---\n");
        await gateway.ScanAsync();
        var firstSeen = Assert.Single(await gateway.Sources.ListProblemsAsync(None));
        gateway.Clock!.Advance(TimeSpan.FromHours(1));

        await gateway.ScanAsync();

        var again = Assert.Single(await gateway.Sources.ListProblemsAsync(None));
        Assert.Equal(firstSeen.LastSeenAt, again.LastSeenAt);
    }

    [Fact]
    public async Task Scan_ControlCharactersAndHostileHtml_AreCleanedNotRejected()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(
            title: "Titre\u0007 avec > et & \u001B",
            body: "Texte <script>alert(1)</script> [lien](javascript:alert(2)) <img src=x onerror=alert(3)> <iframe src=\"https://evil.example\"></iframe> [dossier](/dossiers/ia) ![photo](images/p.jpg)"));

        var report = await gateway.ScanAsync();

        Assert.Equal(0, report.Problems);
        var article = await gateway.SingleArticleAsync("a");
        Assert.Equal("Titre avec > et &", article.Title);
        Assert.DoesNotContain("<script", article.ContentHtml);
        Assert.DoesNotContain("javascript:", article.ContentHtml);
        Assert.DoesNotContain("onerror", article.ContentHtml);
        Assert.DoesNotContain("<iframe", article.ContentHtml);
        Assert.Contains("href=\"https://www.en-contact.com/dossiers/ia\"", article.ContentHtml);
        Assert.Contains("src=\"https://www.en-contact.com/images/p.jpg\"", article.ContentHtml);
    }

    [Fact]
    public async Task Scan_FrontMatterIdUsedByAnotherFile_IsAProblemAndTheFirstKeepsIt()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Premier", extraFrontMatter: "id: ec-1"));
        await gateway.ScanAsync();
        gateway.WriteContent("b.md", SampleArticles.Markdown(title: "Second", extraFrontMatter: "id: ec-1"));

        await gateway.ScanAsync();

        Assert.Equal("Premier", (await gateway.SingleArticleAsync("ec-1")).Title);
        var problem = Assert.Single(await gateway.Sources.ListProblemsAsync(None));
        Assert.Equal("file:b.md", problem.Source);
        Assert.Contains("already used by file a.md", problem.Reason);
        Assert.Equal(8, problem.Line);
    }

    [Fact]
    public async Task Scan_SlugTakenByAnotherArticle_IsAProblemNamingTheOther()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Même titre"));
        gateway.WriteContent("b.md", SampleArticles.Markdown(title: "Même titre"));

        var report = await gateway.ScanAsync();

        Assert.Equal(1, report.Created);
        var problem = Assert.Single(await gateway.Sources.ListProblemsAsync(None));
        Assert.Equal("file:b.md", problem.Source);
        Assert.Contains("slug 'meme-titre' is already used by article 'a'", problem.Reason);
    }

    [Fact]
    public async Task Scan_DerivedIdTakenByMovedArticle_GetsSuffix()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Un"));
        await gateway.ScanAsync();
        File.Move(Path.Combine(gateway.ContentPath, "a.md"), Path.Combine(gateway.ContentPath, "b.md"));
        await gateway.ScanAsync();

        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "Deux"));
        await gateway.ScanAsync();

        Assert.Equal("Un", (await gateway.SingleArticleAsync("a")).Title);
        Assert.Equal("Deux", (await gateway.SingleArticleAsync("a-2")).Title);
        Assert.Equal("file:a.md", (await gateway.SingleArticleAsync("a-2")).Source);
    }

    [Fact]
    public async Task Scan_IgnoresReadmeHiddenAndUnderscoreFiles()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("README.md", "# Pas un article\n");
        gateway.WriteContent("_drafts/x.md", SampleArticles.Markdown(title: "X"));
        gateway.WriteContent(".git/y.md", SampleArticles.Markdown(title: "Y"));
        gateway.WriteContent("notes.txt", "texte");
        gateway.WriteContent("ok.md", SampleArticles.Markdown(title: "OK"));

        var report = await gateway.ScanAsync();

        Assert.Equal(1, report.Files);
        Assert.Equal(1, report.Created);
        Assert.Empty(await gateway.Sources.ListProblemsAsync(None));
    }

    [Fact]
    public async Task ScanChanges_OnlyNamedPaths_AndGonePathsAreDeleted()
    {
        await using var gateway = await Gateway.CreateAsync();
        var a = gateway.WriteContent("a.md", SampleArticles.Markdown(title: "A"));
        gateway.WriteContent("b.md", SampleArticles.Markdown(title: "B"));
        await gateway.ScanAsync();

        File.Delete(a);
        gateway.WriteContent("b.md", SampleArticles.Markdown(title: "B modifié"));
        var onlyA = await gateway.Scanner.ScanAsync(gateway.ContentPath, ScanMode.Changes, [a], None);

        Assert.Equal(1, onlyA.Deleted);
        Assert.Equal(0, onlyA.Updated);
        Assert.Equal("B", (await gateway.SingleArticleAsync("b")).Title);
    }

    [Fact]
    public async Task Import_DoesNotDeleteArticlesMissingFromTheFolder()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("a.md", SampleArticles.Markdown(title: "A"));
        await gateway.ScanAsync();
        using var other = new TempDirectory();
        File.WriteAllText(other.Combine("b.md"), SampleArticles.Markdown(title: "B"));

        var report = await gateway.Scanner.ScanAsync(other.Path, ScanMode.Import, null, None);

        Assert.Equal(1, report.Created);
        Assert.Equal(0, report.Deleted);
        Assert.Equal(ArticleStatus.Published, (await gateway.SingleArticleAsync("a")).Status);
    }

    /// <summary>The problems table is shared with the upstream feeds: a scan cleans only rows of files.</summary>
    [Fact]
    public async Task ScanAsync_FullScanAndVanishedFile_LeavesOtherSourcesProblemsAlone()
    {
        await using var gateway = await Gateway.CreateAsync();
        await gateway.Services.GetRequiredService<EnContact.Syndication.Sources.SourceIngester>()
            .RecordProblemAsync("feed:cms", "HTTP 500 Internal Server Error", null, CancellationToken.None);
        await gateway.Services.GetRequiredService<EnContact.Syndication.Sources.SourceIngester>()
            .RecordProblemAsync("feed:cms#cms-0123456789ab", "title: is required", "abc", CancellationToken.None);
        var broken = gateway.WriteContent("casse.md", "---\ntitle: Cassé\n---\nTexte.\n");
        await gateway.ScanAsync();
        File.Delete(broken);

        await gateway.ScanAsync();
        await gateway.Scanner.ScanAsync(gateway.ContentPath, ScanMode.Changes, [Path.Combine(gateway.ContentPath, "casse.md")], CancellationToken.None);

        Assert.Equal(["feed:cms", "feed:cms#cms-0123456789ab"], (await gateway.Sources.ListProblemsAsync(CancellationToken.None)).Select(p => p.Source));
    }

    [Fact]
    public async Task ScanAsync_FileNamingTheIdOfAFeedArticle_ProblemNamesTheFeed()
    {
        await using var gateway = await Gateway.CreateAsync();
        var normalizer = gateway.Services.GetRequiredService<ArticleNormalizer>();
        var fromFeed = normalizer.Normalize(new ArticleDraft { Title = "Du flux", Published = "2026-11-20 09:00", BodyHtml = "<p>Texte.</p>" }, "cms-0123456789ab", "feed:cms");
        await gateway.Articles.SaveAsync(fromFeed.Article!, CancellationToken.None);
        gateway.WriteContent("a.md", "---\nid: cms-0123456789ab\ntitle: Du fichier\npublished: 2026-11-20 09:00\n---\nTexte.\n");

        await gateway.ScanAsync();

        var problem = Assert.Single(await gateway.Sources.ListProblemsAsync(CancellationToken.None));
        Assert.Equal("id: 'cms-0123456789ab' is already used by an article from feed:cms", problem.Reason);
        Assert.Equal("Du flux", (await gateway.SingleArticleAsync("cms-0123456789ab")).Title);
    }

    private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
