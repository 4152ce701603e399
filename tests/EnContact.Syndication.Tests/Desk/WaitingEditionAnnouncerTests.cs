using EnContact.Syndication.Desk;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Desk.DeskFixture;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>The announcement of a waiting edition to the staff: sent through the outbox, once per edition and person.</summary>
[Trait("Speed", "Slow")]
public sealed class WaitingEditionAnnouncerTests
{
    [Fact]
    public async Task Announce_EditionStartsWaiting_MailsEachStaffMemberOnce()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        var settings = server.GatewaySettings(retryAttempts: 0);
        settings["Digest:RequireApproval"] = "true";
        settings["Desk:AnnounceWaitingEdition"] = "true";
        await using var gateway = await StartAsync(settings);
        await WeekAsync(gateway);
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));

        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(CancellationToken.None);

        await server.WaitForMessagesAsync(2);
        Assert.Equal([EditorEmail, AdministratorEmail], server.Messages.SelectMany(m => m.To).Order());
        Assert.All(server.Messages, m => Assert.Equal("La lettre n° 1 attend votre validation", m.Message.Subject));
        Assert.Contains(Gateway.PublicUrl + "admin", server.Messages[0].Message.TextBody);
        var campaign = WaitingEditionAnnouncer.CampaignOf(NextEditionPageTests.Key);
        await gateway.WaitForCampaignAsync(campaign, p => p.Sent == 2);

        await gateway.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<WaitingEditionAnnouncer>().Single().AnnounceAsync(CancellationToken.None);
        var progress = await gateway.WaitForCampaignAsync(campaign, _ => true);
        Assert.Equal(2, progress.Total);
    }
}
