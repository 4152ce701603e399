using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using CodeHollow.FeedReader;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Ingestion;

/// <summary>
/// A generated folder of hostile entries (deep nesting, links out and in loops, a pipe, a socket,
/// device links, huge and pathological titles and bodies, invalid UTF-8, BOMs, CRLF, control
/// characters) next to good articles, given to a running gateway: it stays up and healthy, reports
/// each bad entry with a reason, publishes every good article, and serves only well-formed,
/// script-free feeds.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class HostileFolderFuzzTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task HostileFolder_GatewayStaysUp_ReportsEachBadEntry_PublishesOnlyCleanFeeds()
    {
        using var folder = new TempDirectory();
        var content = folder.Combine("content");
        Directory.CreateDirectory(content);
        var outside = folder.Combine("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.md"), SampleArticles.Markdown(title: "SECRET hors du dossier"));
        var good = WriteGoodArticles(content, new Random(20261203));
        var bad = WriteHostileEntries(content, outside);
        using var socket = BindSocket(Path.Combine(content, "socket.md"));
        bad.Add("socket.md");

        await using var gateway = await Gateway.CreateAsync(start: true, ingestFolder: true, folder: folder);
        await gateway.Services.GetRequiredService<ContentFolderWorker>().InitialScan.WaitAsync(Patience);
        await gateway.WaitForFeedsAsync();

        // Up and healthy.
        using var anonymous = gateway.NewClient(null);
        var health = await anonymous.GetAsync("/healthz");
        Assert.True(health.StatusCode == HttpStatusCode.OK, await health.Content.ReadAsStringAsync());

        // Every bad entry listed with a reason; nothing else.
        var problems = (await gateway.Sources.ListProblemsAsync(CancellationToken.None))
            .ToDictionary(p => p.Source[Article.FileSourcePrefix.Length..], p => p.Reason);
        Assert.Equal(bad.Order(), problems.Keys.Order());
        Assert.All(problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Value), p.Key));
        foreach (var revealing in new[] { outside, "secret", "nothing.md", "/etc", "/dev", "No such file" })
            Assert.All(problems.Values, reason => Assert.DoesNotContain(revealing, reason));

        // Every good article published, clean.
        foreach (var (id, title) in good)
        {
            var article = await gateway.SingleArticleAsync(id);
            Assert.Equal(ArticleStatus.Published, article.Status);
            Assert.StartsWith(title, article.Title);
        }
        var all = (await gateway.Articles.ListAsync(new ArticleQuery { PageSize = 500 }, CancellationToken.None)).Items;
        Assert.Equal(good.Count, all.Count);

        // Every feed document well-formed, parsed back, and without anything that could run.
        var documents = gateway.Feeds.Current.Documents;
        Assert.NotEmpty(documents);
        foreach (var (path, _) in documents)
        {
            var bytes = await anonymous.GetByteArrayAsync($"/feeds/{path}");
            var text = Encoding.UTF8.GetString(bytes);
            if (path.EndsWith(".json", StringComparison.Ordinal))
                CheckJsonFeed(path, text);
            else
                CheckXmlFeed(path, bytes);
            Assert.DoesNotContain("SECRET", text);
            Assert.DoesNotContain("root:x:0", text);
        }

        // A second full scan of the same folder: nothing rewritten, still healthy.
        var version = await gateway.Articles.CurrentVersionAsync(CancellationToken.None);
        var report = await gateway.Scanner.ScanAsync(content, ScanMode.Full, null, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal((good.Count, bad.Count), (report.Unchanged, report.Problems));
        Assert.Equal(version, await gateway.Articles.CurrentVersionAsync(CancellationToken.None));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
    }

    private static void CheckXmlFeed(string path, byte[] bytes)
    {
        var document = new XmlDocument();
        using (var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
            document.Load(reader); // throws on anything ill-formed
        var feed = FeedReader.ReadFromByteArray(bytes);
        foreach (var item in feed.Items)
        {
            Assert.False(HasMarkup(item.Title), $"{path}: markup in title '{item.Title}'");
            Assert.False(HasMarkup(item.Author ?? ""), $"{path}: markup in author");
            CheckHtml(path, item.Content ?? "");
            CheckHtml(path, item.Description ?? "");
        }
    }

    private static void CheckJsonFeed(string path, string text)
    {
        var feed = JsonNode.Parse(text)!.AsObject();
        foreach (var item in feed["items"]!.AsArray())
        {
            Assert.False(HasMarkup((string?)item!["title"] ?? ""), $"{path}: markup in title");
            Assert.False(HasMarkup((string?)item["summary"] ?? ""), $"{path}: markup in summary");
            CheckHtml(path, (string?)item["content_html"] ?? "");
        }
    }

    /// <summary>HTML bodies may hold markup, but nothing a reader could run.</summary>
    private static void CheckHtml(string path, string html)
    {
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument($"<body>{html}</body>");
        Assert.Empty(document.QuerySelectorAll("script, iframe, object, embed, form, details[ontoggle], svg"));
        foreach (var element in document.All)
        {
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"{path}: event handler {attribute.Name}");
                Assert.DoesNotContain("javascript:", attribute.Value, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    private static bool HasMarkup(string text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
            if (text[i] == '<' && (char.IsAsciiLetter(text[i + 1]) || text[i + 1] is '/' or '!' or '?'))
                return true;
        return false;
    }

    /// <summary>Valid articles written every way a real folder has them: BOM, CRLF, control characters, entities, hostile but cleanable markup.</summary>
    private static List<(string Id, string Title)> WriteGoodArticles(string content, Random random)
    {
        string[] sections = ["analyses", "études", "entretiens", "indiscrétions", "actualités"];
        var good = new List<(string, string)>();
        for (var i = 0; i < 30; i++)
        {
            var id = $"bon-{i:00}";
            var title = $"Article {i:00} : l’IA > le script & « CRM »";
            var titleInFile = (i % 6) switch
            {
                0 => title + " &lt;script&gt;alert(1)&lt;/script&gt;",
                1 => title + " <details open ontoggle=alert(1)>",
                2 => title + "\u0001\u0008",
                3 => title + " <img src=x onerror=alert(1)>",
                _ => title,
            };
            var body = (i % 5) switch
            {
                0 => "Texte <script>alert(1)</script> et [lien](javascript:alert(1)).",
                1 => "<details ontoggle=alert(1) open><summary>x</summary>y</details>\n\nSuite.",
                2 => "<svg onload=alert(1)><circle/></svg> Fin.",
                3 => "Une &lt;balise&gt; citée, <iframe src=\"https://exemple.fr\"></iframe>.",
                _ => "Premier paragraphe, accentué : é à ç ô.\n\nSecond.",
            };
            var text = $"---\nid: {id}\ntitle: \"{titleInFile.Replace("\"", "\\\"")}\"\npublished: 2026-11-{1 + random.Next(20):00} 09:{random.Next(60):00}\n" +
                       $"authors: [\"Claire &lt;b&gt;Dubois\"]\nsection: {sections[i % sections.Length]}\ntags: [ia, crm]\n---\n{body}\n";
            if (i % 4 == 1)
                text = text.Replace("\n", "\r\n");
            var bytes = Encoding.UTF8.GetBytes(text);
            if (i % 3 == 2)
                bytes = [.. Encoding.UTF8.Preamble, .. bytes];
            File.WriteAllBytes(Path.Combine(content, i % 2 == 0 ? $"2026/{id}.md" : $"{id}.md").Also(EnsureFolder), bytes);
            good.Add((id, title));
        }
        return good;
    }

    /// <summary>Every kind of bad entry; returns their paths relative to the content folder.</summary>
    private static List<string> WriteHostileEntries(string content, string outside)
    {
        var bad = new List<string>();
        void Write(string name, byte[] bytes)
        {
            File.WriteAllBytes(Path.Combine(content, name).Also(EnsureFolder), bytes);
            bad.Add(name);
        }
        void Text(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));
        const string Head = "---\ntitle: \"T\"\npublished: 2026-11-20T09:00\n";

        Text("deep-flow.md", Head + $"tags: {new string('[', 30_000)}{new string(']', 30_000)}\n---\nx\n");
        Text("deep-block.md", Head + "tags:\n" + string.Concat(Enumerable.Repeat("- ", 20_000)) + "x\n---\nx\n");
        Text("deep-map.md", Head + "tags: " + string.Concat(Enumerable.Repeat("{a: ", 5_000)) + "1" + new string('}', 5_000) + "\n---\nx\n");
        Text("huge-title.md", $"---\ntitle: \"{string.Concat(Enumerable.Repeat("<!--", 900_000))}\"\npublished: 2026-11-20T09:00\n---\nx\n");
        Text("deep-html.md", Head + "---\n" + string.Concat(Enumerable.Repeat("<div>", 100_000)) + "x" + string.Concat(Enumerable.Repeat("</div>", 100_000)) + "\n");
        Text("deep-quotes.md", Head + "---\n" + new string('>', 50_000) + "\n");
        Text("no-front-matter.md", "# Juste du Markdown\n");
        Text("unclosed.md", Head + "tags: [a, b\n");
        Text("control-only-title.md", "---\ntitle: \"\u0001\u0002\u0003\"\npublished: 2026-11-20T09:00\n---\nx\n");
        Write("invalid-utf8.md", [.. Encoding.UTF8.GetBytes(Head + "---\nx "), 0xC3, 0x28, 0xFF, 0x0A]);
        Write("binary.md", [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 256))]);
        Write("too-large.md", [.. Encoding.UTF8.GetBytes(Head + "---\n"), .. Enumerable.Repeat((byte)'a', 5 * 1024 * 1024)]);

        File.CreateSymbolicLink(Path.Combine(content, "link-out.md"), Path.Combine(outside, "secret.md"));
        File.CreateSymbolicLink(Path.Combine(content, "link-missing.md"), Path.Combine(outside, "nothing.md"));
        File.CreateSymbolicLink(Path.Combine(content, "passwd.md"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(content, "zero.md"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(content, "urandom.md"), "/dev/urandom");
        Directory.CreateSymbolicLink(Path.Combine(content, "loop-x"), ".");
        Directory.CreateSymbolicLink(Path.Combine(content, "2026", "loop-y"), "..");
        Directory.CreateSymbolicLink(Path.Combine(content, "linked-folder"), outside);
        bad.AddRange(["link-out.md", "link-missing.md", "passwd.md", "zero.md", "urandom.md", "loop-x", "2026/loop-y", "linked-folder"]);

        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [Path.Combine(content, "pipe.md")]) { UseShellExecute = false })!)
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        bad.Add("pipe.md");
        return bad;
    }

    private static Socket BindSocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static void EnsureFolder(string file) => Directory.CreateDirectory(Path.GetDirectoryName(file)!);
}

internal static class FuzzExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
