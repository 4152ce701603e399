using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using CodeHollow.FeedReader;
using CodeHollow.FeedReader.Feeds;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Feeds;

/// <summary>
/// The rendered feeds, with fixed articles and a fixed clock (27 November 2026): golden files, then
/// every document read back by an independent parser (CodeHollow.FeedReader) and by XML/JSON readers.
/// Set UPDATE_GOLDEN=1 to rewrite the golden files after an intended change, and review the diff.
/// </summary>
public sealed class FeedSetBuilderTests
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    [Theory]
    [InlineData("all.atom")]
    [InlineData("all.rss")]
    [InlineData("all.json")]
    [InlineData("sections/indiscretions.rss")]
    [InlineData("archive/2026-10.atom")]
    [InlineData("archive/2026-10.rss")]
    public async Task Build_FixedArticles_MatchesGoldenFile(string path)
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);

        var feeds = await FeedTestData.BuildAsync(gateway);

        var actual = Encoding.UTF8.GetString(feeds[path]);
        var name = path.Replace('/', '_');
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
            File.WriteAllText(Path.Combine(SourceGoldenFolder(), name), actual);
        // Read the copy next to the test assembly, so the tests run from any build output folder.
        var golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Feeds", "Golden", name));
        Assert.Equal(Normalize(golden), Normalize(actual));
    }

    [Fact]
    public async Task Build_ListsExpectedDocuments()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);

        var feeds = await FeedTestData.BuildAsync(gateway);

        foreach (var expected in new[] { "all", "sections/analyses", "sections/entretiens", "sections/indiscretions", "tags/ia", "tags/crm", "tags/bpo" })
            foreach (var extension in new[] { "rss", "atom", "json" })
                Assert.True(feeds.ContainsKey($"{expected}.{extension}"), $"{expected}.{extension} is published");
        Assert.Equal(["archive/2026-09.atom", "archive/2026-09.rss", "archive/2026-10.atom", "archive/2026-10.rss"],
            feeds.Keys.Where(k => k.StartsWith("archive/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(feeds.Keys, k => k.StartsWith("archive/2026-11", StringComparison.Ordinal)); // the month is not over
    }

    [Fact]
    public async Task Atom_ReadBackIndependently_HasIdsDatesLinksAndContent()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);

        var feeds = await FeedTestData.BuildAsync(gateway);
        var feed = FeedReader.ReadFromByteArray(feeds["all.atom"]);

        Assert.Equal(FeedType.Atom, feed.Type);
        Assert.Equal(["tag:en-contact.com,2026:article/ec-free", "tag:en-contact.com,2026:article/ec-premium", "tag:en-contact.com,2026:article/ec-october", "tag:en-contact.com,2026:article/ec-september"],
            feed.Items.Select(i => i.Id));
        var free = (AtomFeedItem)feed.Items[0].SpecificItem;
        Assert.Equal("Relation client : l’IA > le script & le reste", feed.Items[0].Title);
        Assert.Equal("2026-11-20T09:30:00+01:00", free.PublishedDateString);
        Assert.Equal("2026-11-21T18:00:00+01:00", free.UpdatedDateString);
        Assert.Equal("https://www.en-contact.com/articles/relation-client-l-ia-le-script-le-reste", feed.Items[0].Link);
        Assert.Contains("href=\"https://www.en-contact.com/dossiers/ia\"", feed.Items[0].Content);
        Assert.Contains("<img src=\"https://www.en-contact.com/images/plateau.jpg\"", feed.Items[0].Content);
        var october = (AtomFeedItem)feed.Items[2].SpecificItem;
        Assert.Equal("2026-10-15T10:00:00+02:00", october.PublishedDateString); // summer time

        var xml = XDocument.Parse(Encoding.UTF8.GetString(feeds["all.atom"]));
        Assert.Equal("fr", xml.Root!.Attribute(XNamespace.Xml + "lang")!.Value);
        Assert.Equal("tag:en-contact.com,2026:feed/all", xml.Root.Element(Atom + "id")!.Value);
        Assert.Equal("2026-11-21T18:00:00+01:00", xml.Root.Element(Atom + "updated")!.Value);
        Assert.Equal("https://flux.en-contact.com/feeds/all.atom", Link(xml.Root, "self"));
        Assert.Equal("https://www.en-contact.com/", Link(xml.Root, "alternate"));
        Assert.Equal("https://flux.en-contact.com/feeds/archive/2026-10.atom", Link(xml.Root, "prev-archive"));
        var firstEntry = xml.Root.Elements(Atom + "entry").First();
        Assert.Equal("text", firstEntry.Element(Atom + "title")!.Attribute("type")!.Value);
        Assert.Equal("html", firstEntry.Element(Atom + "content")!.Attribute("type")!.Value);
        Assert.Equal(["Claire Dubois", "Jérôme Castaing"], firstEntry.Elements(Atom + "author").Select(a => a.Element(Atom + "name")!.Value));
        Assert.Equal(["analyses", "ia", "crm"], firstEntry.Elements(Atom + "category").Select(c => c.Attribute("term")!.Value));
        Assert.Equal("image/jpeg", firstEntry.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "enclosure").Attribute("type")!.Value);
    }

    [Fact]
    public async Task Rss_ReadBackIndependently_HasGuidsDatesCreatorsAndSelfLink()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);

        var feeds = await FeedTestData.BuildAsync(gateway);
        var feed = FeedReader.ReadFromByteArray(feeds["all.rss"]);

        Assert.Equal(FeedType.Rss_2_0, feed.Type);
        var rss = (Rss20Feed)feed.SpecificFeed;
        Assert.Equal("fr", rss.Language);
        Assert.Equal("15", rss.TTL);
        var first = (Rss20FeedItem)feed.Items[0].SpecificItem;
        Assert.Equal("tag:en-contact.com,2026:article/ec-free", first.Guid);
        Assert.Equal("Fri, 20 Nov 2026 09:30:00 +0100", first.PublishingDateString);
        Assert.Equal(new DateTime(2026, 11, 20, 8, 30, 0, DateTimeKind.Utc), first.PublishingDate!.Value.ToUniversalTime());
        Assert.Contains("href=\"https://www.en-contact.com/dossiers/ia\"", first.Content);
        Assert.Equal("Relation client : l’IA > le script & le reste", first.Title);

        var xml = XDocument.Parse(Encoding.UTF8.GetString(feeds["all.rss"]));
        var channel = xml.Root!.Element("channel")!;
        Assert.Equal("https://flux.en-contact.com/feeds/all.rss", Link(channel, "self"));
        Assert.Equal("false", channel.Element("item")!.Element("guid")!.Attribute("isPermaLink")!.Value);
        Assert.Equal(["Claire Dubois", "Jérôme Castaing"], channel.Element("item")!.Elements(XName.Get("creator", "http://purl.org/dc/elements/1.1/")).Select(c => c.Value));
        Assert.Empty(channel.Descendants("author")); // RSS <author> must be an e-mail: names go in dc:creator
        Assert.Equal("hourly", channel.Element(XName.Get("updatePeriod", "http://purl.org/rss/1.0/modules/syndication/"))!.Value);
        Assert.Equal("4", channel.Element(XName.Get("updateFrequency", "http://purl.org/rss/1.0/modules/syndication/"))!.Value);
        Assert.Contains("<title>Relation client : l’IA &gt; le script &amp; le reste</title>", Encoding.UTF8.GetString(feeds["all.rss"]));
    }

    [Fact]
    public async Task Json_ReadBack_IsJsonFeed11()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);

        var feeds = await FeedTestData.BuildAsync(gateway);
        var independent = FeedReader.ReadFromByteArray(feeds["all.json"]);
        using var json = JsonDocument.Parse(feeds["all.json"]);

        Assert.Equal(FeedType.JsonFeed, independent.Type);
        Assert.Equal("tag:en-contact.com,2026:article/ec-free", independent.Items[0].Id);
        var root = json.RootElement;
        Assert.Equal("https://jsonfeed.org/version/1.1", root.GetProperty("version").GetString());
        Assert.Equal("https://flux.en-contact.com/feeds/all.json", root.GetProperty("feed_url").GetString());
        var item = root.GetProperty("items")[0];
        Assert.Equal("2026-11-20T09:30:00+01:00", item.GetProperty("date_published").GetString());
        Assert.Equal("Claire Dubois", item.GetProperty("authors")[0].GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.String, item.GetProperty("id").ValueKind);
    }

    [Fact]
    public async Task PremiumText_NeverAppearsInAnyFeed()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);

        var feeds = await FeedTestData.BuildAsync(gateway);

        foreach (var (path, bytes) in feeds)
            Assert.DoesNotContain(FeedTestData.PremiumSecret, Encoding.UTF8.GetString(bytes));
        var premium = FeedReader.ReadFromByteArray(feeds["all.atom"]).Items.Single(i => i.Id.EndsWith("ec-premium", StringComparison.Ordinal));
        Assert.Contains("Une DRH raconte trois ans de réinternalisation.", premium.Content);
        Assert.Contains("Lire la suite sur En-Contact (réservé aux abonnés)", premium.Content);
        Assert.Contains("href=\"https://www.en-contact.com/articles/entretien-reinternaliser-ou-pas\"", premium.Content);
    }

    [Fact]
    public async Task Drafts_Scheduled_And_Deleted_AreNotInFeeds()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);
        await gateway.Articles.MarkDeletedAsync("ec-september", CancellationToken.None);

        var feeds = await FeedTestData.BuildAsync(gateway);

        var all = Encoding.UTF8.GetString(feeds["all.atom"]);
        Assert.DoesNotContain("ec-draft", all);
        Assert.DoesNotContain("ec-future", all);
        Assert.DoesNotContain("ec-september", all);
        Assert.DoesNotContain("archive/2026-09.atom", feeds.Keys);
    }

    [Fact]
    public async Task Edit_ChangesUpdatedButNotTheId()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);
        var before = FeedReader.ReadFromByteArray((await FeedTestData.BuildAsync(gateway))["all.atom"]).Items[0];

        var draft = FeedTestData.Articles[0].Draft with { Title = "Un autre titre", Slug = "un-autre-slug", Updated = "2026-11-26 12:00" };
        await FeedTestData.SaveAsync(gateway, "ec-free", draft);
        var after = FeedReader.ReadFromByteArray((await FeedTestData.BuildAsync(gateway))["all.atom"]).Items[0];

        Assert.Equal(before.Id, after.Id);
        Assert.Equal("Un autre titre", after.Title);
        Assert.Equal("2026-11-26T12:00:00+01:00", ((AtomFeedItem)after.SpecificItem).UpdatedDateString);
        Assert.Equal("2026-11-20T09:30:00+01:00", ((AtomFeedItem)after.SpecificItem).PublishedDateString);
    }

    [Fact]
    public async Task SameArticle_HasTheSameIdInEveryFeed()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);

        var feeds = await FeedTestData.BuildAsync(gateway);

        var ids = new[] { "all.atom", "sections/analyses.atom", "tags/ia.atom", "all.rss", "tags/crm.rss", "all.json", "sections/analyses.json" }
            .Select(p => FeedReader.ReadFromByteArray(feeds[p]).Items.Single(i => i.Id.EndsWith("ec-free", StringComparison.Ordinal)).Id)
            .Distinct().ToArray();
        Assert.Equal(["tag:en-contact.com,2026:article/ec-free"], ids);
    }

    [Fact]
    public async Task Archives_ChainAndStayStableAcrossRebuildsAndNewArticles()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);
        var first = await FeedTestData.BuildAsync(gateway);

        await FeedTestData.SaveAsync(gateway, "ec-new", new ArticleDraft { Title = "Nouveau", Published = "2026-11-26 10:00", BodyMarkdown = "Nouveau." });
        var second = await FeedTestData.BuildAsync(gateway);

        Assert.Equal(first["archive/2026-10.atom"], second["archive/2026-10.atom"]);
        Assert.Equal(first["archive/2026-09.rss"], second["archive/2026-09.rss"]);
        Assert.NotEqual(first["all.atom"], second["all.atom"]);

        var october = XDocument.Parse(Encoding.UTF8.GetString(second["archive/2026-10.atom"])).Root!;
        Assert.NotNull(october.Element(XName.Get("archive", "http://purl.org/syndication/history/1.0")));
        Assert.Equal("https://flux.en-contact.com/feeds/all.atom", Link(october, "current"));
        Assert.Equal("https://flux.en-contact.com/feeds/archive/2026-09.atom", Link(october, "prev-archive"));
        Assert.Null(Link(october, "next-archive"));
        var september = XDocument.Parse(Encoding.UTF8.GetString(second["archive/2026-09.atom"])).Root!;
        Assert.Equal("https://flux.en-contact.com/feeds/archive/2026-10.atom", Link(september, "next-archive"));
        Assert.Null(Link(september, "prev-archive"));
        Assert.Equal(["tag:en-contact.com,2026:article/ec-october"], FeedReader.ReadFromByteArray(second["archive/2026-10.atom"]).Items.Select(i => i.Id));
    }

    [Fact]
    public async Task ArchivePage_Rss_SaysItKeepsForAYear_AsItsCacheControlDoes()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);

        var feeds = await FeedTestData.BuildAsync(gateway);

        var channel = XDocument.Parse(Encoding.UTF8.GetString(feeds["archive/2026-10.rss"])).Root!.Element("channel")!;
        Assert.Equal("525600", channel.Element("ttl")!.Value);
        Assert.Equal("yearly", channel.Element(XName.Get("updatePeriod", "http://purl.org/rss/1.0/modules/syndication/"))!.Value);
        Assert.Equal("1", channel.Element(XName.Get("updateFrequency", "http://purl.org/rss/1.0/modules/syndication/"))!.Value);
        Assert.Equal("15", ((Rss20Feed)FeedReader.ReadFromByteArray(feeds["all.rss"]).SpecificFeed).TTL);
    }

    [Theory]
    [InlineData(15, "hourly", 4)]
    [InlineData(60, "hourly", 1)]
    [InlineData(120, "daily", 12)]
    [InlineData(1440, "daily", 1)]
    [InlineData(525600, "yearly", 1)]
    public void UpdateHint_SaysTheSameAsMaxAge(int minutes, string period, int frequency)
    {
        Assert.Equal((period, frequency), EnContact.Syndication.Feeds.RssFeedWriter.UpdateHint(minutes));
    }

    [Fact]
    public async Task MonthEnd_MakesTheMonthAnArchivePage()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAllAsync(gateway);

        gateway.Clock!.SetUtcNow(new DateTimeOffset(2026, 11, 30, 23, 30, 0, TimeSpan.Zero)); // 1 December, 00:30 in Paris
        var feeds = await FeedTestData.BuildAsync(gateway);

        Assert.Contains("archive/2026-11.atom", feeds.Keys);
        var all = XDocument.Parse(Encoding.UTF8.GetString(feeds["all.atom"])).Root!;
        Assert.Equal("https://flux.en-contact.com/feeds/archive/2026-11.atom", Link(all, "prev-archive"));
    }

    public static TheoryData<string> HostileTitles => new()
    {
        "<script>alert('x')</script> & \"guillemets\" 'apostrophes'",
        "Titre avec &eacute; &nbsp; entités &amp; déjà échappées",
        "Émoji 😀👩🏽‍💻 et texte de droite à gauche: مرحبا بالعالم עברית",
        "Contrôle \u0001\u0002\u000B\u000C\u001F\uFFFE fin",
        "]]> fin de CDATA <![CDATA[ x ]]>",
    };

    [Theory]
    [MemberData(nameof(HostileTitles))]
    public async Task HostileText_StillGivesWellFormedXmlAndValidJson(string hostile)
    {
        await using var gateway = await Gateway.CreateAsync();
        var stored = await FeedTestData.SaveAsync(gateway, "hostile", new ArticleDraft
        {
            Title = hostile,
            Summary = hostile,
            Authors = [hostile],
            Tags = [hostile],
            Section = hostile,
            Published = "2026-11-20 09:30",
            BodyMarkdown = hostile + "\n\n<p onclick=\"x()\">" + hostile + "</p>",
        });

        var feeds = await FeedTestData.BuildAsync(gateway);

        foreach (var (path, bytes) in feeds)
        {
            if (path.EndsWith(".json", StringComparison.Ordinal))
            {
                using var json = JsonDocument.Parse(bytes);
                Assert.Equal(stored.Title, json.RootElement.GetProperty("items")[0].GetProperty("title").GetString());
            }
            else
            {
                using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
                while (reader.Read())
                {
                }
                Assert.DoesNotMatch(new Regex("<title[^>]*>[^<]*&amp;(gt|lt|amp|quot);"), Encoding.UTF8.GetString(bytes)); // titles escaped once
                Assert.DoesNotMatch(new Regex("&(nbsp|eacute);"), Encoding.UTF8.GetString(bytes));
            }
        }
        var title = FeedReader.ReadFromByteArray(feeds["all.atom"]).Items[0].Title;
        Assert.Equal(stored.Title, title);
        Assert.DoesNotContain("<script", stored.Title);
        Assert.DoesNotMatch(new Regex("[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE]"), stored.Title);
    }

    [Theory]
    [InlineData("<script>alert('x')</script> & \"guillemets\" 'apostrophes'")]
    [InlineData("]]> fin de CDATA <![CDATA[ x ]]>")]
    [InlineData("Émoji 😀👩🏽‍💻 et texte de droite à gauche: مرحبا بالعالم עברית")]
    public async Task BuildLetters_HostileText_IsWellFormedAndReadsBackAsWritten(string hostile)
    {
        await using var gateway = await Gateway.CreateAsync();
        var letter = new EnContact.Syndication.Feeds.Letter(7, "n° 7 — " + hostile, "https://lettre.en-contact.com/digests/7", new DateTimeOffset(2026, 7, 6, 6, 0, 0, TimeSpan.Zero),
            [new(hostile, [new(hostile, "https://www.en-contact.com/articles/x?a=1&b=2")])]);
        var archive = new EnContact.Syndication.Feeds.LetterArchiveContent("https://lettre.en-contact.com/digests/feed.atom", "https://lettre.en-contact.com/digests",
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), [letter]);

        var bytes = gateway.Services.GetRequiredService<EnContact.Syndication.Feeds.FeedSetBuilder>().BuildLetters(archive).Bytes;

        using (var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
            while (reader.Read())
            {
            }
        var item = Assert.Single(FeedReader.ReadFromByteArray(bytes).Items);
        Assert.Equal("n° 7 — " + hostile, item.Title);
        Assert.Equal("2026-07-06T08:00:00+02:00", ((AtomFeedItem)item.SpecificItem).PublishedDateString); // summer time in Paris
        var content = XDocument.Parse(Encoding.UTF8.GetString(bytes)).Root!.Element(Atom + "entry")!.Element(Atom + "content")!.Value;
        Assert.DoesNotContain("<script", content);
        Assert.Contains("href=\"https://www.en-contact.com/articles/x?a=1&amp;b=2\"", content);
    }

    [Fact]
    public async Task OneMegabyteArticle_IsPublishedWhole()
    {
        await using var gateway = await Gateway.CreateAsync();
        var body = string.Join("\n\n", Enumerable.Range(0, 5000).Select(i => $"Paragraphe {i} : la relation client à l’épreuve de l’IA, encore et encore, sans fin."));
        Assert.True(Encoding.UTF8.GetByteCount(body) > 400_000);
        await FeedTestData.SaveAsync(gateway, "long", new ArticleDraft { Title = "Très long", Published = "2026-11-20 09:30", BodyMarkdown = body + body });

        var feeds = await FeedTestData.BuildAsync(gateway);

        var item = FeedReader.ReadFromByteArray(feeds["all.atom"]).Items.Single();
        Assert.Contains("Paragraphe 4999 :", item.Content);
        Assert.True(feeds["all.atom"].Length > 1_000_000);
    }

    [Fact]
    public async Task Build_SectionWrittenWithoutAccent_JoinsTheConfiguredSectionUnderItsCapitalisedSpelling()
    {
        await using var gateway = await Gateway.CreateAsync();
        await FeedTestData.SaveAsync(gateway, "ec-etude-1", new ArticleDraft { Title = "Baromètre", Published = "2026-11-10 09:00", Section = "études", BodyMarkdown = "x" });
        await FeedTestData.SaveAsync(gateway, "ec-etude-2", new ArticleDraft { Title = "Enquête", Published = "2026-11-20 09:00", Section = "etudes", BodyMarkdown = "x" });

        var feeds = await FeedTestData.BuildAsync(gateway);

        var atom = FeedReader.ReadFromByteArray(feeds["sections/etudes.atom"]);
        Assert.Equal("En-Contact — Études", atom.Title);
        Assert.Equal("En-Contact — Études", FeedReader.ReadFromByteArray(feeds["sections/etudes.rss"]).Title);
        Assert.Equal("En-Contact — Études", FeedReader.ReadFromByteArray(feeds["sections/etudes.json"]).Title);
        Assert.Equal(["tag:en-contact.com,2026:article/ec-etude-2", "tag:en-contact.com,2026:article/ec-etude-1"], atom.Items.Select(i => i.Id));
        Assert.All(atom.Items, i => Assert.Equal(["études"], i.Categories));
    }

    [Fact]
    public async Task Build_SectionStoredWithAnotherSpelling_FeedStillUsesTheConfiguredOne()
    {
        await using var gateway = await Gateway.CreateAsync();
        // A row written before sections were matched to the configured list keeps its spelling in the store.
        var normalized = gateway.Services.GetRequiredService<ArticleNormalizer>()
            .Normalize(new ArticleDraft { Title = "Échos", Published = "2026-11-20 09:00", BodyMarkdown = "x" }, "ec-old", EnContact.Syndication.Articles.Article.ApiSource).Article!;
        await gateway.Articles.SaveAsync(normalized with { Section = "INDISCRETIONS" }, CancellationToken.None);
        await FeedTestData.SaveAsync(gateway, "ec-hors", new ArticleDraft { Title = "Hors série", Published = "2026-11-21 09:00", Section = "hors-série", BodyMarkdown = "x" });

        var feeds = await FeedTestData.BuildAsync(gateway);

        Assert.Equal("En-Contact — Indiscrétions", FeedReader.ReadFromByteArray(feeds["sections/indiscretions.atom"]).Title);
        Assert.Equal(["indiscrétions"], FeedReader.ReadFromByteArray(feeds["all.atom"]).Items.Single(i => i.Id.EndsWith("ec-old", StringComparison.Ordinal)).Categories);
        Assert.Equal("En-Contact — Hors-série", FeedReader.ReadFromByteArray(feeds["sections/hors-serie.atom"]).Title);
    }

    [Fact]
    public async Task ItemCount_LimitsSubscriptionFeeds()
    {
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?> { ["Feeds:ItemCount"] = "2" });
        await FeedTestData.SaveAllAsync(gateway);

        var feeds = await FeedTestData.BuildAsync(gateway);

        Assert.Equal(2, FeedReader.ReadFromByteArray(feeds["all.rss"]).Items.Count);
        Assert.Equal(2, FeedReader.ReadFromByteArray(feeds["all.json"]).Items.Count);
    }

    private static string? Link(XElement parent, string relation) =>
        parent.Elements(Atom + "link").FirstOrDefault(l => (string?)l.Attribute("rel") == relation)?.Attribute("href")?.Value;

    private static string Normalize(string text) => Regex.Replace(text, @"\s+", " ").Trim();

    private static string SourceGoldenFolder()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "EnContact.Syndication.Tests.csproj")))
            folder = folder.Parent;
        return Path.Combine(folder?.FullName ?? throw new DirectoryNotFoundException("test project folder"), "Feeds", "Golden");
    }
}
