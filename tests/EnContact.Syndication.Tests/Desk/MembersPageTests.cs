using System.Net;
using EnContact.Syndication.Members;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Desk.DeskFixture;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>The members page of the desk: administrators only; counts by state and the feeds polled from too many client addresses.</summary>
[Trait("Speed", "Slow")]
public sealed class MembersPageTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Members with sightings: lea's token from 7 client addresses (over the default threshold of 5), marc's from 1 (store calls: the desk reads what the feeds recorded).</summary>
    internal static async Task SeedAsync(Gateway gateway)
    {
        var store = gateway.Services.GetRequiredService<MemberStore>();
        var now = gateway.Clock!.GetUtcNow();
        await store.UpsertAsync(new MemberUpsert("pw-lea", "lea.avec.une.adresse.assez.longue@groupe-relation-client-exemple.fr", "Léa Dupont", null), None);
        await store.UpsertAsync(new MemberUpsert("pw-marc", "marc@exemple.fr", null, now.AddDays(-1)), None);
        await store.UpsertAsync(new MemberUpsert("pw-paul", "paul@exemple.fr", null, null), None);
        await store.RevokeAsync("pw-paul", None);
        for (var i = 1; i <= 7; i++)
            await store.RecordClientAsync("pw-lea", $"client-{i}", now.AddHours(-i), None);
        await store.RecordClientAsync("pw-marc", "client-9", now, None);
        await store.RecordClientAsync("pw-paul", "client-old", now.AddDays(-8), None); // outside the window
    }

    [Fact]
    public async Task Members_Administrator_SeesCountsAndTheFeedsPolledFromTooManyAddresses()
    {
        await using var gateway = await StartAsync();
        await SeedAsync(gateway);
        using var browser = await SignedInAsync(gateway, AdministratorName);

        var page = await browser.GetAsync("/admin/membres");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var stats = page.Document.QuerySelectorAll(".stats b").Select(b => b.TextContent).ToList();
        Assert.Equal(["1", "1", "1"], stats);
        var rows = page.Document.QuerySelectorAll("tbody tr").Select(r => r.TextContent).ToList();
        var row = Assert.Single(rows);
        Assert.Contains("lea.avec.une.adresse", row);
        Assert.Contains("pw-lea", row);
        Assert.Contains("7", row);
        Assert.NotNull(page.Document.QuerySelector("nav a[href='/admin/membres']"));
    }

    [Fact]
    public async Task Members_Editor_IsForbidden()
    {
        await using var gateway = await StartAsync();
        using var browser = await SignedInAsync(gateway, EditorName);

        var page = await browser.GetAsync("/admin/membres");

        Assert.Equal(HttpStatusCode.Forbidden, page.Status);
        Assert.Null(page.Document.QuerySelector("nav a[href='/admin/membres']"));
    }

    [Fact]
    public async Task PurgeClients_SightingsOlderThanTheWindow_AreForgotten()
    {
        await using var gateway = await StartAsync();
        await SeedAsync(gateway);
        var store = gateway.Services.GetRequiredService<MemberStore>();

        var purged = await store.PurgeClientsAsync(gateway.Clock!.GetUtcNow().AddDays(-7), None);

        Assert.Equal(1, purged);
        Assert.Equal(0, await store.ClientCountAsync("pw-paul", gateway.Clock.GetUtcNow().AddDays(-30), None));
        Assert.Equal(7, await store.ClientCountAsync("pw-lea", gateway.Clock.GetUtcNow().AddDays(-7), None));
    }
}
