using System.Diagnostics;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Ingestion;

/// <summary>
/// Entries in the content folder that are not plain article files: links (out of the folder, to a
/// device, in loops), pipes, over-deep YAML. Each is listed as a problem; none is followed, read,
/// or allowed to stall or crash the scan; the good articles next to them are ingested.
/// </summary>
public sealed class HostileContentTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A scan must finish; on a scan that hangs, the test fails here instead of hanging the suite.</summary>
    private static Task<ScanReport> ScanAsync(Gateway gateway, ScanMode mode = ScanMode.Full, IReadOnlyCollection<string>? paths = null) =>
        gateway.Scanner.ScanAsync(gateway.ContentPath, mode, paths, None).WaitAsync(TimeSpan.FromSeconds(60));

    private static async Task<Dictionary<string, IngestionProblem>> ProblemsAsync(Gateway gateway) =>
        (await gateway.Sources.ListProblemsAsync(None)).ToDictionary(p => p.Source[Article.FileSourcePrefix.Length..]);

    [Fact]
    public async Task LinkOutOfTheFolder_IsNeverRead_AndTheProblemSaysNothingOfItsTarget()
    {
        await using var gateway = await Gateway.CreateAsync();
        var outside = Path.Combine(gateway.Root, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.md"), SampleArticles.Markdown(title: "Document confidentiel"));
        File.CreateSymbolicLink(Path.Combine(gateway.ContentPath, "x.md"), "../outside/secret.md");
        File.CreateSymbolicLink(Path.Combine(gateway.ContentPath, "y.md"), "../outside/nothing-here.md");
        File.CreateSymbolicLink(Path.Combine(gateway.ContentPath, "passwd.md"), "/etc/passwd");
        gateway.WriteContent("bon.md", SampleArticles.Markdown(title: "Un bon article"));

        var report = await ScanAsync(gateway);

        Assert.Equal((1, 3), (report.Created, report.Problems));
        var problems = await ProblemsAsync(gateway);
        Assert.Equal(ContentFiles.LinkProblem, problems["x.md"].Reason);
        Assert.Equal(problems["x.md"].Reason, problems["y.md"].Reason);
        Assert.Equal(problems["x.md"].Reason, problems["passwd.md"].Reason);
        var all = (await gateway.Articles.ListAsync(new ArticleQuery { PageSize = 100 }, None)).Items;
        Assert.Equal(["Un bon article"], all.Select(a => a.Title));
    }

    [Fact]
    public async Task Fifo_IsReportedWithoutBlockingTheScan()
    {
        await using var gateway = await Gateway.CreateAsync();
        MakeFifo(Path.Combine(gateway.ContentPath, "f.md"));
        gateway.WriteContent("bon.md", SampleArticles.Markdown());

        var report = await ScanAsync(gateway);

        Assert.Equal((1, 1), (report.Created, report.Problems));
        Assert.Equal(ContentFiles.SpecialProblem, (await ProblemsAsync(gateway))["f.md"].Reason);
    }

    [Fact]
    public async Task LinkToADevice_IsNotRead()
    {
        await using var gateway = await Gateway.CreateAsync();
        File.CreateSymbolicLink(Path.Combine(gateway.ContentPath, "z.md"), "/dev/zero");

        var report = await ScanAsync(gateway);

        Assert.Equal(1, report.Problems);
        Assert.Equal(ContentFiles.LinkProblem, (await ProblemsAsync(gateway))["z.md"].Reason);
    }

    [Fact]
    public async Task LinkLoops_AreNotWalked_EachArticleIngestedOnce()
    {
        await using var gateway = await Gateway.CreateAsync();
        gateway.WriteContent("2026/bon.md", SampleArticles.Markdown());
        Directory.CreateSymbolicLink(Path.Combine(gateway.ContentPath, "x"), ".");
        Directory.CreateSymbolicLink(Path.Combine(gateway.ContentPath, "2026", "y"), "..");

        var report = await ScanAsync(gateway);

        Assert.Equal((3, 1, 2), (report.Files, report.Created, report.Problems));
        Assert.Equal(["2026/y", "x"], (await ProblemsAsync(gateway)).Keys.Order());
    }

    [Fact]
    public async Task LinkedFolder_IsNotDescended_NeitherByAFullScanNorByAChangeEvent()
    {
        await using var gateway = await Gateway.CreateAsync();
        var outside = Path.Combine(gateway.Root, "ailleurs");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "a.md"), SampleArticles.Markdown(title: "Hors du dossier"));
        var link = Path.Combine(gateway.ContentPath, "articles");
        Directory.CreateSymbolicLink(link, outside);

        // A watcher names the link and a file "inside" it: neither is read.
        await ScanAsync(gateway, ScanMode.Changes, [link, Path.Combine(link, "a.md")]);
        var problems = await ProblemsAsync(gateway);
        Assert.Equal(ContentFiles.LinkProblem, problems["articles"].Reason);
        Assert.Contains("'articles', a symbolic link", problems["articles/a.md"].Reason);

        // A full scan lists the link alone: it never looks inside.
        await ScanAsync(gateway);
        Assert.Equal(["articles"], (await ProblemsAsync(gateway)).Keys);
        Assert.Equal(0, (await gateway.Articles.ListAsync(new ArticleQuery(), None)).Total);
    }

    [Fact]
    public async Task ProblemOfAnEntryThatWasRemoved_IsCleared()
    {
        await using var gateway = await Gateway.CreateAsync();
        var link = Path.Combine(gateway.ContentPath, "x.md");
        File.CreateSymbolicLink(link, "/etc/hostname");
        gateway.WriteContent("casse.md", "pas de front matter\n");
        await ScanAsync(gateway);
        Assert.Equal(2, (await ProblemsAsync(gateway)).Count);

        File.Delete(link);
        File.Delete(Path.Combine(gateway.ContentPath, "casse.md"));
        await ScanAsync(gateway);

        Assert.Empty(await ProblemsAsync(gateway));
    }

    [Fact]
    public async Task DeeplyNestedFrontMatter_IsAProblemWithItsLine_NotACrash()
    {
        await using var gateway = await Gateway.CreateAsync();
        const int depth = 30_000;
        gateway.WriteContent("deep.md", $"---\ntitle: \"T\"\npublished: 2026-11-20T09:00\ntags: {new string('[', depth)}{new string(']', depth)}\n---\nx\n");
        gateway.WriteContent("deep-block.md", "---\ntitle: \"T\"\npublished: 2026-11-20T09:00\ntags:\n" + string.Concat(Enumerable.Repeat("- ", 20_000)) + "x\n---\nx\n");
        gateway.WriteContent("bon.md", SampleArticles.Markdown());

        var report = await ScanAsync(gateway);

        Assert.Equal((1, 2), (report.Created, report.Problems));
        var problems = await ProblemsAsync(gateway);
        Assert.All(new[] { "deep.md", "deep-block.md" }, name => Assert.Contains("nests", problems[name].Reason));
        Assert.Equal(4, problems["deep.md"].Line);
        Assert.Equal(5, problems["deep-block.md"].Line);
    }

    private static void MakeFifo(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
