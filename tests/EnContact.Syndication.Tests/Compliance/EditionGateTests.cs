using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Feeds;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Compliance;

/// <summary>
/// The gate before an edition is queued, through the running gateway: a letter that would go out
/// unsigned, misaligned, without one-click unsubscribe or without its return path is held with each
/// reason, nothing is queued, and an administrator either releases it once the cause is fixed or sends
/// it anyway with a reason that stays on the edition.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class EditionGateTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Key = "2026-11-30-0800";

    private static async Task<(Gateway Gateway, TestSmtpServer Server)> StartAsync(
        Action<Dictionary<string, string?>>? change = null, string environment = "Testing", string? postgres = null)
    {
        var server = await TestSmtpServer.StartNewAsync();
        var settings = server.GatewaySettings(retryAttempts: 0);
        change?.Invoke(settings);
        var gateway = await Gateway.CreateAsync(start: true, settings: settings, environment: environment, postgresConnectionString: postgres);
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("a@exemple.fr", null), ("b@exemple.fr", ["études"]));
        return (gateway, server);
    }

    private static async Task<EditionSummary> FireAsync(Gateway gateway)
    {
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);
        return (await Store(gateway).GetAsync(Key, None))!.Value.Edition;
    }

    private static async Task<long> QueuedAsync(Gateway gateway) =>
        (await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(DigestCampaign.Of(Key), None)).SingleOrDefault()?.Total ?? 0;

    private static Dictionary<string, string> Outcomes(GateReport report) => report.Checks.ToDictionary(c => c.Name, c => EnumText.Of(c.Outcome));

    [Fact]
    public async Task Check_SignedLetterThroughARelay_PassesEveryCheckThatApplies()
    {
        var (gateway, server) = await StartAsync();
        await using var _ = server;
        await using var __ = gateway;

        var (report, _, problem) = await gateway.Services.GetRequiredService<DigestEditions>().CheckAsync(null, None);

        Assert.True(report is { Passed: true }, problem ?? report!.FailureText);
        var outcomes = Outcomes(report!);
        foreach (var name in new[] { "dkim-configured", "dkim-verifies", "dkim-aligned", "list-unsubscribe", "list-unsubscribe-post", "list-unsubscribe-signed",
                     "unsubscribe-link-html", "unsubscribe-link-text", "publisher-identity", "size" })
            Assert.Equal("passed", outcomes[name]);
        Assert.Equal("skipped", outcomes["return-path"]); // no bounce mailbox is read here
    }

    [Fact]
    public async Task Edition_ThroughARelayWithoutDkim_IsHeldWithTheReason_AndNothingIsQueued()
    {
        var (gateway, server) = await StartAsync(s => { s.Remove("Dkim:Domain"); s.Remove("Dkim:Selector"); s.Remove("Dkim:PrivateKey"); });
        await using var _ = server;
        await using var __ = gateway;

        var edition = await FireAsync(gateway);

        Assert.Equal(EditionStatus.Held, edition.Status);
        Assert.Contains("dkim-configured: no DKIM key", edition.Reason);
        Assert.Equal(0, await QueuedAsync(gateway));
        var api = await gateway.Client.GetFromJsonAsync<JsonObject>($"/api/digests/{Key}");
        Assert.Equal("held", (string?)api!["edition"]!["status"]);
        // A second tick does not send it either: held editions wait for a person.
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);
        Assert.Equal(EditionStatus.Held, (await Store(gateway).GetAsync(Key, None))!.Value.Edition.Status);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Edition_SignedForAnotherDomain_IsHeldAsNotAligned()
    {
        var (gateway, server) = await StartAsync(s => s["Dkim:Domain"] = "envoi-sous-traitant.example");
        await using var _ = server;
        await using var __ = gateway;

        var edition = await FireAsync(gateway);

        Assert.Equal(EditionStatus.Held, edition.Status);
        Assert.Contains("dkim-aligned: d=envoi-sous-traitant.example is not aligned with the From domain en-contact.com", edition.Reason);
        Assert.DoesNotContain("dkim-verifies", edition.Reason); // the signature itself is sound
    }

    [Fact]
    public async Task Edition_WithPlainHttpLinks_IsHeld_ForWantOfOneClickUnsubscribe()
    {
        // Only a development gateway accepts plain http links; one that sends through a relay anyway is stopped here.
        var (gateway, server) = await StartAsync(s => { s["Subscribers:PublicUrl"] = "http://lettre.en-contact.com/"; s.Remove("Delivery:UnsubscribeMailbox"); }, "Development");
        await using var _ = server;
        await using var __ = gateway;

        var edition = await FireAsync(gateway);

        Assert.Equal(EditionStatus.Held, edition.Status);
        Assert.Contains("list-unsubscribe: the message has no List-Unsubscribe header", edition.Reason);
        Assert.Contains("list-unsubscribe-post:", edition.Reason);
    }

    [Fact]
    public async Task Edition_WithABounceMailboxButNoReturnPath_IsHeld()
    {
        var (gateway, server) = await StartAsync(s => { s["Bounces:Imap:Host"] = "127.0.0.1"; s["Bounces:Imap:Port"] = "1"; s["Bounces:Imap:User"] = "rebonds"; s["Bounces:Imap:Password"] = "x"; });
        await using var _ = server;
        await using var __ = gateway;

        var (report, _, _) = await gateway.Services.GetRequiredService<DigestEditions>().CheckAsync(null, None);

        Assert.Equal("failed", Outcomes(report!)["return-path"]);
        Assert.Contains("Delivery:ReturnPath is not", report!.FailureText);
    }

    [Fact]
    public async Task Check_WithReturnPath_SeesTheVerpEnvelopeSender()
    {
        var (gateway, server) = await StartAsync(s =>
        {
            s["Bounces:Imap:Host"] = "127.0.0.1"; s["Bounces:Imap:Port"] = "1"; s["Bounces:Imap:User"] = "rebonds"; s["Bounces:Imap:Password"] = "x";
            s["Delivery:ReturnPath"] = "rebonds@lettre.en-contact.com"; s["Delivery:ReturnPathSecret"] = "a-return-path-secret-of-32-chars!";
        });
        await using var _ = server;
        await using var __ = gateway;

        var (report, _, _) = await gateway.Services.GetRequiredService<DigestEditions>().CheckAsync(null, None);

        var check = report!.Checks.Single(c => c.Name == "return-path");
        Assert.Equal(CheckOutcome.Passed, check.Outcome);
        Assert.Matches("the envelope sender is rebonds\\+[a-z2-7]{39}@lettre.en-contact.com", check.Detail);
    }

    [Fact]
    public Task HeldEdition_OverriddenThroughTheApi_IsSent_AndTheDecisionStaysOnTheEdition() => OverrideAsync(null);

    [Fact]
    public async Task HeldEdition_OnPostgreSql_OverriddenThroughTheApi_IsSent_AndTheDecisionStaysOnTheEdition()
    {
        using var shared = new TempDirectory();
        await OverrideAsync(await shared.PostgresDatabaseAsync());
    }

    private static async Task OverrideAsync(string? postgres)
    {
        var (gateway, server) = await StartAsync(s => { s.Remove("Dkim:Domain"); s.Remove("Dkim:Selector"); s.Remove("Dkim:PrivateKey"); }, postgres: postgres);
        await using var _ = server;
        await using var __ = gateway;
        Assert.Equal(EditionStatus.Held, (await FireAsync(gateway)).Status);

        var empty = await gateway.Client.PostAsJsonAsync($"/api/digests/{Key}/release", new { @override = " " });
        var multiline = await gateway.Client.PostAsJsonAsync($"/api/digests/{Key}/release", new { @override = "raison\r\nBcc: x" });
        var checkedAgain = await gateway.Client.PostAsync($"/api/digests/{Key}/release", null);
        var overridden = await gateway.Client.PostAsJsonAsync($"/api/digests/{Key}/release", new { @override = "clé DKIM publiée lundi ; envoi validé par la direction" });
        var again = await gateway.Client.PostAsJsonAsync($"/api/digests/{Key}/release", new { @override = "deux fois" });

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, multiline.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, checkedAgain.StatusCode); // nothing was fixed: held again
        Assert.Contains("dkim-configured", await checkedAgain.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await gateway.WaitForCampaignAsync(DigestCampaign.Of(Key), p => p.Sent == 2);
        var edition = (await Store(gateway).GetAsync(Key, None))!.Value.Edition;
        Assert.Matches(@"^sent despite failed checks \(dkim-configured\) by the admin API at 2026-11-30 07:01:00Z: clé DKIM publiée lundi ; envoi validé par la direction$", edition.Override);
        var api = await gateway.Client.GetFromJsonAsync<JsonObject>($"/api/digests/{Key}");
        Assert.Equal(edition.Override, (string?)api!["edition"]!["override"]);
    }

    [Fact]
    public async Task Release_OfAnEditionNotHeld_IsAConflict_AndOfNoEdition_NotFound()
    {
        var (gateway, server) = await StartAsync();
        await using var _ = server;
        await using var __ = gateway;
        Assert.Equal(EditionStatus.Sending, (await FireAsync(gateway)).Status);

        var notHeld = await gateway.Client.PostAsync($"/api/digests/{Key}/release", null);
        var missing = await gateway.Client.PostAsync("/api/digests/2030-01-01-0800/release", null);
        var anonymous = await gateway.NewClient(null).PostAsync($"/api/digests/{Key}/release", null);

        Assert.Equal(HttpStatusCode.Conflict, notHeld.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Edition_ThroughThePickupFolder_SkipsTheMailboxProviderChecks_AndGoesOut()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("a@exemple.fr", null));

        var (report, _, _) = await gateway.Services.GetRequiredService<DigestEditions>().CheckAsync(null, None);
        var edition = await FireAsync(gateway);

        Assert.True(report!.Passed, report.FailureText);
        Assert.All(report.Checks.Where(c => c.Name.StartsWith("dkim", StringComparison.Ordinal) || c.Name.StartsWith("list-", StringComparison.Ordinal)),
            c => Assert.Equal(CheckOutcome.Skipped, c.Outcome));
        Assert.Equal("passed", Outcomes(report)["unsubscribe-link-html"]);
        Assert.Equal(EditionStatus.Sending, edition.Status);
    }

    [Fact]
    public async Task Check_NamesThePostalAddress_WhenOneIsConfigured_InBothParts()
    {
        var (gateway, server) = await StartAsync(s => s["Site:PostalAddress"] = "En-Contact, 12 rue des Lilas, 75011 Paris");
        await using var _ = server;
        await using var __ = gateway;

        var (report, _, _) = await gateway.Services.GetRequiredService<DigestEditions>().CheckAsync(null, None);
        var (digest, _) = await gateway.Services.GetRequiredService<DigestEditions>().PreviewAsync(null, null, null, None);

        Assert.Contains("En-Contact, 12 rue des Lilas, 75011 Paris", report!.Checks.Single(c => c.Name == "publisher-identity").Detail);
        Assert.Contains("Éditeur : En-Contact — En-Contact, 12 rue des Lilas, 75011 Paris", digest!.Text);
    }

    [Fact]
    public async Task Check_MembersCopyOverTheClip_FailsTheSize_NamingThatCopy_WhileReadersCopyFits()
    {
        // A letter limit set above Gmail's clip lets a member's full texts grow past it; nobody else's copy carries them.
        var (gateway, server) = await StartAsync(s => s["Digest:MaxHtmlBytes"] = "400000");
        await using var _ = server;
        await using var __ = gateway;
        await FeedTestData.SaveAsync(gateway, "dossier", new ArticleDraft
        {
            Title = "Le grand dossier", Published = "2026-11-26 10:00", Section = "analyses", Access = "premium", Summary = "Le résumé.",
            BodyMarkdown = string.Join("\n\n", Enumerable.Range(1, 1500).Select(i => $"Paragraphe {i} du dossier réservé, assez long pour peser.")),
        });

        var (report, _, _) = await gateway.Services.GetRequiredService<DigestEditions>().CheckAsync(null, None);

        var size = Assert.Single(report!.Checks, c => c.Name == "size");
        Assert.Equal(CheckOutcome.Failed, size.Outcome);
        Assert.StartsWith("members' copy: HTML part", size.Detail);
        Assert.Equal(report.Checks.Count, report.Checks.Select(c => c.Name).Distinct().Count());
    }
}
