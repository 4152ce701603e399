using System.Net;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Desk.DeskFixture;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>
/// The checks before sending at the desk: the editor sees them next to the letter before approving;
/// an edition they hold is shown with each failure; an editor can only check it again, an
/// administrator can also send it anyway, and the reason is kept with the edition.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class HeldEditionPageTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Key = NextEditionPageTests.Key;

    [Fact]
    public async Task Show_WaitingEdition_ListsTheChecksBeforeSending_AllPassing()
    {
        var (gateway, server) = await NextEditionPageTests.WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        using var browser = await SignedInAsync(gateway);

        var page = await browser.GetAsync("/admin");

        var checks = page.Document.QuerySelectorAll("ul.checks li").Select(li => li.TextContent).ToList();
        Assert.Contains(checks, c => c.Contains("ok") && c.Contains("Signature DKIM valide"));
        Assert.Contains(checks, c => c.Contains("ok") && c.Contains("Désabonnement en un clic (RFC 8058)"));
        Assert.DoesNotContain(checks, c => c.Contains("échec"));
    }

    [Fact]
    public async Task Approve_LetterFailingItsChecks_IsHeld_EditorCanOnlyRecheck_AdministratorSendsItWithAReason()
    {
        var server = await TestSmtpServer.StartNewAsync();
        await using var _ = server;
        var settings = server.GatewaySettings(retryAttempts: 0);
        settings["Digest:RequireApproval"] = "true";
        settings.Remove("Dkim:PrivateKey");
        settings.Remove("Dkim:Domain");
        settings.Remove("Dkim:Selector");
        await using var gateway = await StartAsync(settings);
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lectrice@exemple.fr", null));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);
        using var editor = await SignedInAsync(gateway);
        await editor.GetAsync("/admin");

        var approved = await editor.SubmitAsync($"/admin/lettre/{Key}/approuver");

        Assert.Equal("Édition approuvée mais retenue : les contrôles avant l’envoi échouent (voir ci-dessous).", Notice(approved));
        Assert.Equal("La lettre n° 1 est retenue avant l’envoi", approved.Heading);
        Assert.Contains("est retenue", approved.Document.QuerySelector(".banner")!.TextContent);
        Assert.Contains("Clé DKIM configurée", approved.Document.QuerySelector("[role=alert]")!.TextContent);
        Assert.Null(approved.Document.QuerySelector($"form[action='/admin/lettre/{Key}/forcer']"));
        var recheck = await editor.SubmitAsync($"/admin/lettre/{Key}/liberer");
        Assert.Equal(HttpStatusCode.Conflict, recheck.Status);
        Assert.StartsWith("Les contrôles échouent toujours", Problem(recheck));
        var forced = await editor.PostAsync($"/admin/lettre/{Key}/forcer", new FormUrlEncodedContent([editor.Csrf, new("motif", "je passe outre")]));
        Assert.Equal(HttpStatusCode.Forbidden, forced.Status);
        Assert.Equal(EditionStatus.Held, (await NextEditionPageTests.EditionAsync(gateway)).Status);
        Assert.Empty(server.Messages);

        using var administrator = await SignedInAsync(gateway, AdministratorName);
        await administrator.GetAsync("/admin");
        var sent = await administrator.SubmitAsync($"/admin/lettre/{Key}/forcer", ("motif", "clé DKIM en cours de publication ; envoi décidé par la rédaction en chef"));

        Assert.Equal("Édition envoyée malgré les contrôles ; votre motif est enregistré avec elle.", Notice(sent));
        var edition = await NextEditionPageTests.EditionAsync(gateway);
        Assert.Equal(EditionStatus.Sending, edition.Status);
        Assert.Equal($"sent despite failed checks (dkim-configured) by {AdministratorName} <{AdministratorEmail}> at the desk at 2026-11-30 07:01:00Z: " +
            "clé DKIM en cours de publication ; envoi décidé par la rédaction en chef", edition.Override);
        await gateway.WaitForCampaignAsync(DigestCampaign.Of(Key), p => p.Sent == 1);
    }
}
