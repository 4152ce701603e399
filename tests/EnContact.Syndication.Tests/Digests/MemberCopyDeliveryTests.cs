using EnContact.Syndication.Digests;
using EnContact.Syndication.Members;
using EnContact.Syndication.Tests.Feeds;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Digests;

/// <summary>
/// An edition queued and sent to a real loopback SMTP server: active members get the premium full
/// text, everyone else (a former member, a lapsed one, a reader) the teaser; sections still apply.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class MemberCopyDeliveryTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Edition_ActiveMembersGetFullText_LapsedRevokedAndOtherReadersGetTheTeaser()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        await using var gateway = await Gateway.CreateAsync(start: true, settings: server.GatewaySettings());
        await WeekAsync(gateway);
        await SubscribersAsync(gateway,
            ("Membre@Exemple.fr", null), ("lecteur@exemple.fr", null), ("ancien@exemple.fr", null), ("expire@exemple.fr", null),
            ("membre-etudes@exemple.fr", ["études"]));
        var members = gateway.Services.GetRequiredService<MemberStore>();
        await members.UpsertAsync(new MemberUpsert("pw-1", "membre@exemple.fr", "Membre", null), None);
        await members.UpsertAsync(new MemberUpsert("pw-2", "ancien@exemple.fr", null, null), None);
        await members.RevokeAsync("pw-2", None);
        await members.UpsertAsync(new MemberUpsert("pw-3", "expire@exemple.fr", null, Monday.AddDays(-1)), None);
        await members.UpsertAsync(new MemberUpsert("pw-4", "membre-etudes@exemple.fr", null, Monday.AddDays(30)), None);

        gateway.Clock!.SetUtcNow(Monday.AddSeconds(30)); // the scheduler builds, checks and queues the edition
        var edition = await gateway.WaitForOutboxAsync(async () => (await Store(gateway).ListAsync(None)).FirstOrDefault(e => e.Status != EditionStatus.Ready));
        Assert.True(edition.Status == EditionStatus.Sending, $"{edition.Status}: {edition.Reason}");
        Assert.Equal(5, edition.Recipients);
        await gateway.WaitForCampaignAsync(edition.Campaign, p => p is { Pending: 0, Sending: 0 });

        var messages = server.Messages.ToDictionary(m => m.To.Single().ToLowerInvariant(), m => m.Message);
        Assert.Contains(FeedTestData.PremiumSecret, messages["membre@exemple.fr"].HtmlBody);
        Assert.Contains(FeedTestData.PremiumSecret, messages["membre@exemple.fr"].TextBody);
        foreach (var reader in new[] { "lecteur@exemple.fr", "ancien@exemple.fr", "expire@exemple.fr" })
        {
            Assert.DoesNotContain(FeedTestData.PremiumSecret, messages[reader].HtmlBody);
            Assert.DoesNotContain(FeedTestData.PremiumSecret, messages[reader].TextBody);
            Assert.Contains("réservé aux abonnés", messages[reader].HtmlBody);
        }
        // A member who follows only "études" gets only that section: being a member adds no section.
        Assert.DoesNotContain(FeedTestData.PremiumSecret, messages["membre-etudes@exemple.fr"].HtmlBody);
        Assert.Contains("Baromètre 2026 du nearshore", messages["membre-etudes@exemple.fr"].HtmlBody);
        Assert.DoesNotContain("Les indiscrétions de novembre", messages["membre-etudes@exemple.fr"].HtmlBody);
    }

    [Fact]
    public async Task TestCopy_ToAMember_IsTheMembersCopy()
    {
        await using var gateway = await Gateway.CreateAsync();
        await WeekAsync(gateway);
        await gateway.Services.GetRequiredService<MemberStore>().UpsertAsync(new MemberUpsert("pw-1", "redaction@exemple.fr", null, null), None);
        var editions = gateway.Services.GetRequiredService<DigestEditions>();

        var (member, _, _) = await editions.TestCopyAsync("redaction@exemple.fr", null, None);
        var (reader, _, _) = await editions.TestCopyAsync("lecteur@exemple.fr", null, None);

        Assert.Contains(FeedTestData.PremiumSecret, member!.HtmlBody);
        Assert.DoesNotContain(FeedTestData.PremiumSecret, reader!.HtmlBody);
    }
}
