using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using CodeHollow.FeedReader;
using EnContact.Syndication.Feeds;
using EnContact.Syndication.Tests.Feeds;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Members.MemberTestKit;

namespace EnContact.Syndication.Tests.Members;

/// <summary>
/// Members' private feeds over real HTTP on loopback: premium full text in every format and section,
/// 404 for unknown, revoked and expired tokens (French to browsers), rotation, private caching headers,
/// conditional GET, the per-token rate limit, and public feeds and pages that never name a private URL.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class MemberFeedsTests
{
    [Fact]
    public async Task PrivateFeeds_ActiveMember_CarryPremiumFullTextInEveryFormatAndSection()
    {
        await using var gateway = await StartWithArticlesAsync();
        var member = await MemberAsync(gateway, "pw-1", "lea@exemple.fr");

        var entretiens = member.FeedUrls!.Single(f => f.Atom.Contains("/sections/entretiens.", StringComparison.Ordinal));
        Assert.Contains("/sections/analyses.", string.Join(" ", member.FeedUrls!.Select(f => f.Atom)));
        foreach (var url in new[] { member.FeedUrls![0].Atom, member.FeedUrls[0].Rss, member.FeedUrls[0].Json, entretiens.Atom, entretiens.Rss, entretiens.Json })
        {
            var response = await FetchAsync(gateway, PathOf(url));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var text = Encoding.UTF8.GetString(bytes);
            Assert.Contains(FeedTestData.PremiumSecret, text);
            Assert.DoesNotContain("Lire la suite", text);
            // The same checks as the public feeds: an independent parser, and a strict XML or JSON reader.
            var feed = FeedReader.ReadFromByteArray(bytes);
            var premium = feed.Items.Single(i => i.Id.EndsWith("ec-premium", StringComparison.Ordinal));
            Assert.Contains(FeedTestData.PremiumSecret, premium.Content ?? premium.Description);
            if (url.EndsWith(".json", StringComparison.Ordinal))
                Assert.Equal("https://jsonfeed.org/version/1.1", JsonDocument.Parse(bytes).RootElement.GetProperty("version").GetString());
            else
                using (var xml = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
                    while (xml.Read()) { }
            Assert.True(response.Headers.CacheControl!.Private);
            Assert.False(response.Headers.CacheControl.Public);
            Assert.Contains("noindex", response.Headers.GetValues("X-Robots-Tag").Single());
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }
    }

    [Fact]
    public async Task PrivateFeed_UnknownRevokedOrExpiredToken_Answers404_InFrenchToBrowsers()
    {
        await using var gateway = await StartWithArticlesAsync();
        var revoked = await MemberAsync(gateway, "pw-revoked", "paul@exemple.fr");
        var expiring = await MemberAsync(gateway, "pw-expiring", "anne@exemple.fr", "2026-11-28T00:00:00+01:00");
        Assert.Equal(HttpStatusCode.OK, (await FetchAsync(gateway, AllAtom(revoked))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await FetchAsync(gateway, AllAtom(expiring))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.Client.DeleteAsync("/api/members/pw-revoked")).StatusCode);
        gateway.Clock!.Advance(TimeSpan.FromDays(1)); // past anne's expiry

        var unknown = "/members/" + new string('A', 43) + "/all.atom";
        foreach (var path in new[] { unknown, AllAtom(revoked), AllAtom(expiring), "/members/pas-un-jeton/all.atom" })
        {
            var reader = await FetchAsync(gateway, path);
            Assert.Equal(HttpStatusCode.NotFound, reader.StatusCode);
            var browser = await FetchAsync(gateway, path, accept: "text/html");
            Assert.Equal(HttpStatusCode.NotFound, browser.StatusCode);
            Assert.Equal("text/html", browser.Content.Headers.ContentType!.MediaType);
            Assert.Contains("introuvable", await browser.Content.ReadAsStringAsync());
        }
        Assert.Equal("revoked", (await GetAsync(gateway, "pw-revoked")).State);
        Assert.Equal("expired", (await GetAsync(gateway, "pw-expiring")).State);
    }

    [Fact]
    public async Task RotateFeedToken_OldUrlStopsAtOnce_NewOneWorks()
    {
        await using var gateway = await StartWithArticlesAsync();
        var before = await MemberAsync(gateway, "pw-1", "lea@exemple.fr");
        Assert.Equal(HttpStatusCode.OK, (await FetchAsync(gateway, AllAtom(before))).StatusCode);

        var rotate = await gateway.Client.PostAsync("/api/members/pw-1/feed-token", null);
        var after = await GetAsync(gateway, "pw-1");

        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        Assert.NotEqual(AllAtom(before), AllAtom(after));
        Assert.Equal(HttpStatusCode.NotFound, (await FetchAsync(gateway, AllAtom(before))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await FetchAsync(gateway, AllAtom(after))).StatusCode);
    }

    [Fact]
    public async Task PrivateFeed_PollWithItsETag_Answers304WithoutBody()
    {
        await using var gateway = await StartWithArticlesAsync();
        var member = await MemberAsync(gateway, "pw-1", "lea@exemple.fr");
        var first = await FetchAsync(gateway, AllAtom(member));

        using var poll = new HttpRequestMessage(HttpMethod.Get, AllAtom(member));
        poll.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var again = await gateway.NewClient(null).SendAsync(poll);

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        Assert.True(again.Headers.CacheControl!.Private);
    }

    [Fact]
    public async Task PublicFeedsAndPages_NeverNameAPrivateAddress()
    {
        await using var gateway = await StartWithArticlesAsync();
        var member = await MemberAsync(gateway, "pw-1", "lea@exemple.fr");
        var token = AllAtom(member).Split('/')[2];

        var snapshot = gateway.Feeds.Current;
        Assert.NotEmpty(snapshot.FullText);
        foreach (var document in snapshot.Documents.Values)
        {
            var text = Encoding.UTF8.GetString(document.Identity);
            Assert.DoesNotContain("/members/", text);
            Assert.DoesNotContain(FeedTestData.PremiumSecret, text);
        }
        // The full-text documents are shared by every member: no token, no self link inside.
        foreach (var document in snapshot.FullText.Values)
        {
            Assert.DoesNotContain(token, Encoding.UTF8.GetString(document.Identity));
            Assert.DoesNotContain("rel=\"self\"", Encoding.UTF8.GetString(document.Identity));
        }
        foreach (var page in new[] { "/", "/feeds" })
        {
            var html = await (await gateway.NewClient(null).GetAsync(page)).Content.ReadAsStringAsync();
            Assert.DoesNotContain("/members/", html);
            Assert.DoesNotContain("texte intégral", html);
        }
        Assert.False(Directory.Exists(Path.Combine(gateway.MirrorPath, "members")));
        Assert.DoesNotContain(Directory.EnumerateFiles(gateway.MirrorPath, "*", SearchOption.AllDirectories),
            file => File.ReadAllText(file).Contains(FeedTestData.PremiumSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PrivateFeed_RateLimit_HoldsBackOneTokenNotAnother()
    {
        await using var gateway = await StartWithArticlesAsync(new Dictionary<string, string?> { ["Members:RequestsPerMinutePerToken"] = "2" });
        var busy = await MemberAsync(gateway, "pw-busy", "lea@exemple.fr");
        var quiet = await MemberAsync(gateway, "pw-quiet", "marc@exemple.fr");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            statuses.Add((await FetchAsync(gateway, AllAtom(busy))).StatusCode);
        var other = await FetchAsync(gateway, AllAtom(quiet));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task PrivateFeed_PolledFromManyAddresses_IsReportedAsPossiblyShared()
    {
        // The gateway trusts X-Forwarded-For only from a configured proxy: the test client is that proxy.
        await using var gateway = await StartWithArticlesAsync(new Dictionary<string, string?>
        {
            ["Admin:TrustedProxies:0"] = "127.0.0.1",
            ["Members:SharingThreshold"] = "2",
        });
        var shared = await MemberAsync(gateway, "pw-shared", "lea@exemple.fr");
        var alone = await MemberAsync(gateway, "pw-alone", "marc@exemple.fr");

        foreach (var client in new[] { "203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.3" })
            Assert.Equal(HttpStatusCode.OK, (await FetchAsync(gateway, AllAtom(shared), forwardedFor: client)).StatusCode);
        await FetchAsync(gateway, AllAtom(alone), forwardedFor: "198.51.100.7");

        var sharedView = await GetAsync(gateway, "pw-shared");
        var aloneView = await GetAsync(gateway, "pw-alone");
        Assert.Equal((3, true), (sharedView.Clients, sharedView.PossiblyShared));
        Assert.Equal((1, false), (aloneView.Clients, aloneView.PossiblyShared));
        var since = gateway.Clock!.GetUtcNow().AddDays(-7);
        var listed = await gateway.Services.GetRequiredService<EnContact.Syndication.Members.MemberStore>().SharedFeedsAsync(since, 2, CancellationToken.None);
        Assert.Equal([("pw-shared", 3)], listed.Select(s => (s.ExternalId, s.Clients)));
    }

    [Fact]
    public async Task PrivateFeeds_WithAHub_AreNeitherAnnouncedNorLinkedToIt()
    {
        await using var hub = await TestHub.StartAsync();
        await using var gateway = await StartWithArticlesAsync(new Dictionary<string, string?> { ["Feeds:HubUrl"] = hub.Url });
        var member = await MemberAsync(gateway, "pw-1", "lea@exemple.fr");
        const string Public = "https://flux.en-contact.com/feeds/";
        var publicTopics = gateway.Feeds.Current.Documents.Values.Where(d => !d.IsArchive).Select(d => Public + d.Path).ToArray();

        await hub.WaitForTopicsAsync(publicTopics);
        var response = await FetchAsync(gateway, AllAtom(member));

        Assert.All(hub.Topics, topic => Assert.Contains(topic, publicTopics));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Link"));
        Assert.DoesNotContain("rel=\"hub\"", await response.Content.ReadAsStringAsync());
    }
}
