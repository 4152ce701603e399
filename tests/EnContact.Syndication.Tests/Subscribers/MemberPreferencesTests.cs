using System.Net;
using EnContact.Syndication.Members;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Feeds;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>
/// The preferences page of a subscriber who is also a paying member: it shows the private feed addresses
/// and a button that changes them (POST, anti-forgery field); a non-member's page is as it always was.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class MemberPreferencesTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<string> PreferencesPathAsync(Gateway gateway, string address)
    {
        var store = gateway.Services.GetRequiredService<SubscriberStore>();
        await store.ImportAsync([new ImportRow(2, address, null, Gateway.DefaultNow.AddDays(-30), "salon", null)], dryRun: false, null, None);
        var subscriber = await store.FindAsync(address, None);
        return new Uri(gateway.Services.GetRequiredService<SubscriberLinks>().PreferencesUrl(subscriber!.Id)).PathAndQuery;
    }

    private static async Task<Gateway> StartAsync()
    {
        var gateway = await Gateway.CreateAsync(start: true);
        await FeedTestData.SaveAllAsync(gateway);
        await gateway.WaitForFeedsAsync();
        var members = gateway.Services.GetRequiredService<MemberStore>();
        await members.UpsertAsync(new MemberUpsert("pw-lea", "lea@exemple.fr", "Léa", null), None);
        await members.UpsertAsync(new MemberUpsert("pw-paul", "paul@exemple.fr", null, null), None);
        await members.RevokeAsync("pw-paul", None);
        return gateway;
    }

    [Fact]
    public async Task Preferences_ActiveMember_ShowsPrivateFeedAddressesThatWork()
    {
        await using var gateway = await StartAsync();
        using var browser = new Browser(gateway);

        var page = await browser.GetAsync(await PreferencesPathAsync(gateway, "lea@exemple.fr"));

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Vos flux en texte intégral", page.MainText);
        var addresses = page.Document.QuerySelectorAll("code.url").Select(c => c.TextContent).ToList();
        Assert.Contains(addresses, a => a.Contains("/members/", StringComparison.Ordinal) && a.EndsWith("/all.atom", StringComparison.Ordinal));
        Assert.Contains(addresses, a => a.EndsWith("/sections/entretiens.atom", StringComparison.Ordinal));
        var feed = await gateway.NewClient(null).GetAsync(new Uri(addresses[0]).PathAndQuery);
        Assert.Contains(FeedTestData.PremiumSecret, await feed.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("marc@exemple.fr")] // a subscriber only
    [InlineData("paul@exemple.fr")] // a revoked member
    public async Task Preferences_NotAnActiveMember_LooksAsItAlwaysDid(string address)
    {
        await using var gateway = await StartAsync();
        using var browser = new Browser(gateway);

        var page = await browser.GetAsync(await PreferencesPathAsync(gateway, address));

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.DoesNotContain("/members/", page.Html);
        Assert.DoesNotContain("texte intégral", page.Html);
        Assert.Equal(2, page.Document.Forms.Length); // preferences, unsubscribe: nothing more
    }

    [Fact]
    public async Task ChangeFeedAddresses_FromThePage_OldAddressStops_NewOneShown()
    {
        await using var gateway = await StartAsync();
        using var browser = new Browser(gateway);
        var preferences = await PreferencesPathAsync(gateway, "lea@exemple.fr");
        var before = (await browser.GetAsync(preferences)).Document.QuerySelector("code.url")!.TextContent;
        // GET changes nothing: the address shown again is the same.
        Assert.Equal(before, (await browser.GetAsync(preferences)).Document.QuerySelector("code.url")!.TextContent);

        var changed = await browser.SubmitAsync(1);
        var after = changed.Document.QuerySelector("code.url")!.TextContent;

        Assert.Equal(HttpStatusCode.OK, changed.Status);
        Assert.Contains("Les anciennes ne fonctionnent plus", changed.MainText);
        Assert.NotEqual(before, after);
        using var reader = gateway.NewClient(null);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync(new Uri(before).PathAndQuery)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync(new Uri(after).PathAndQuery)).StatusCode);
    }

    [Fact]
    public async Task ChangeFeedAddresses_WithoutTheFormField_ChangesNothing()
    {
        await using var gateway = await StartAsync();
        using var browser = new Browser(gateway);
        var preferences = await PreferencesPathAsync(gateway, "lea@exemple.fr");
        var before = (await browser.GetAsync(preferences)).Document.QuerySelector("code.url")!.TextContent;

        var refused = await browser.SubmitAsync(1, ("csrf", null));

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal(before, (await browser.GetAsync(preferences)).Document.QuerySelector("code.url")!.TextContent);
    }
}
