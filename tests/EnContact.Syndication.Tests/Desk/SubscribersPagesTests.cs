using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AngleSharp.Dom;
using EnContact.Syndication.Bounces;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Bounces;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Desk.DeskFixture;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>The subscribers pages: administrators only; CSV import checked then applied; erasure behind a confirmation; one subscriber's history and what came back about them.</summary>
[Trait("Speed", "Slow")]
public sealed class SubscribersPagesTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private const string Csv = """
        email,name,consent_date,consent_source,sections
        nouvelle@exemple.fr,Nouvelle Lectrice,2026-10-01,salon,analyses
        pas-une-adresse,X,2026-10-01,salon,
        autre@exemple.fr,,2026-10-02,salon,
        """;

    private static SubscriberStore Subscribers(Gateway gateway) => gateway.Services.GetRequiredService<SubscriberStore>();

    private static MultipartFormDataContent Upload(DeskBrowser browser, string csv)
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return new MultipartFormDataContent { { new StringContent(browser.Csrf.Value), browser.Csrf.Key }, { file, "fichier", "lecteurs.csv" } };
    }

    [Fact]
    public async Task Subscribers_Editor_IsForbiddenToSeeOrPost()
    {
        await using var gateway = await StartAsync();
        using var browser = await SignedInAsync(gateway, EditorName);

        var list = await browser.GetAsync("/admin/abonnes");
        Assert.Equal(HttpStatusCode.Forbidden, list.Status);
        Assert.Equal("Accès réservé", list.Heading);
        Assert.Null(list.Document.QuerySelector("nav a[href='/admin/abonnes']"));
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/admin/abonnes/export")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/admin/reglages")).Status);

        await browser.GetAsync("/admin");
        var post = await browser.PostAsync("/admin/abonnes/import", Upload(browser, Csv));
        Assert.Equal(HttpStatusCode.Forbidden, post.Status);
        Assert.Null(await Subscribers(gateway).FindAsync("nouvelle@exemple.fr", None));
    }

    [Fact]
    public async Task Import_DryRunThenApply_ReportsEachRowFirstAndWritesOnlyOnApply()
    {
        await using var gateway = await StartAsync();
        using var browser = await SignedInAsync(gateway, AdministratorName);
        await browser.GetAsync("/admin/abonnes");

        var checkedPage = await browser.PostAsync("/admin/abonnes/import", Upload(browser, Csv));

        Assert.Equal(HttpStatusCode.OK, checkedPage.Status);
        var report = checkedPage.Document.QuerySelector("#rapport")!;
        Assert.StartsWith("Vérification", report.QuerySelector("h2")!.TextContent);
        Assert.Contains("2 à créer", report.TextContent);
        Assert.Contains("1 refusés", report.TextContent);
        Assert.Equal("3", report.QuerySelector("tbody td.num")!.TextContent); // the line of the bad address
        Assert.Null(await Subscribers(gateway).FindAsync("nouvelle@exemple.fr", None));

        var applied = await browser.SubmitAsync(report.QuerySelector("form")!.GetAttribute("action"));

        Assert.Equal("Import appliqué.", Notice(applied));
        var created = await Subscribers(gateway).FindAsync("nouvelle@exemple.fr", None);
        Assert.Equal((SubscriberStatus.Active, "salon"), (created!.Status, created.ConsentSource));
        Assert.NotNull(await Subscribers(gateway).FindAsync("autre@exemple.fr", None));
        var again = await browser.PostAsync(report.QuerySelector("form")!.GetAttribute("action")!, new FormUrlEncodedContent([browser.Csrf]));
        Assert.Contains("n’est plus disponible", Problem(again));
    }

    [Fact]
    public async Task Import_CheckedByAnotherAdministrator_CannotBeApplied()
    {
        await using var gateway = await StartAsync();
        await AddStaffAsync(gateway, "lea", EnContact.Syndication.Desk.StaffRole.Administrator, "lea@en-contact.com");
        using var paul = await SignedInAsync(gateway, AdministratorName);
        await paul.GetAsync("/admin/abonnes");
        var apply = (await paul.PostAsync("/admin/abonnes/import", Upload(paul, Csv))).Document.QuerySelector("#rapport form")!.GetAttribute("action")!;
        using var lea = await SignedInAsync(gateway, "lea");
        await lea.GetAsync("/admin/abonnes");

        var refused = await lea.PostAsync(apply, new FormUrlEncodedContent([lea.Csrf]));

        Assert.Contains("n’est plus disponible", Problem(refused));
        Assert.Null(await Subscribers(gateway).FindAsync("nouvelle@exemple.fr", None));
    }

    [Fact]
    public async Task Erase_AfterTheConfirmStep_RemovesTheSubscriber()
    {
        await using var gateway = await StartAsync();
        var reader = (await SubscribersAsync(gateway, ("lectrice@exemple.fr", null))).Single();
        using var browser = await SignedInAsync(gateway, AdministratorName);

        var search = await browser.GetAsync("/admin/abonnes?q=lectrice");
        var profile = await browser.GetAsync(search.Document.QuerySelector($"a[href='/admin/abonnes/{reader.Id}']")!.GetAttribute("href")!);
        Assert.Contains("tests", profile.MainText); // the consent source
        Assert.Empty(profile.Document.QuerySelectorAll($"form[action='/admin/abonnes/{reader.Id}/effacer']"));
        var confirm = await browser.GetAsync($"/admin/abonnes/{reader.Id}?effacer=true");
        var erased = await browser.SubmitAsync($"/admin/abonnes/{reader.Id}/effacer");

        Assert.Equal("Abonné effacé.", Notice(erased));
        Assert.Null(await Subscribers(gateway).FindAsync("lectrice@exemple.fr", None));
        Assert.NotNull(confirm);
    }

    [Fact]
    public async Task ShowOne_ReportsHandledForTwoReaders_ListsEachReportAndWhyTheAddressIsBlocked_NothingForTheThird()
    {
        const string edition = "digest-2026-11-30-0800";
        await using var bed = await BounceTestBed.StartAsync();
        var (bounced, complained, quiet) = (BounceTestBed.Readers[0], BounceTestBed.Readers[1], BounceTestBed.Readers[2]);
        await bed.SendEditionAsync(edition);
        Assert.True((await bed.Handler.HandleAsync(bed.Report("postfix-dsn.eml", edition, bounced), None)).Understood);
        Assert.True((await bed.Handler.HandleAsync(bed.Report("yahoo-arf-complaint.eml", edition, complained), None)).Understood);
        await AddStaffAsync(bed.Gateway, AdministratorName, EnContact.Syndication.Desk.StaffRole.Administrator, AdministratorEmail);
        using var browser = await SignedInAsync(bed.Gateway, AdministratorName);

        var bouncedPage = await browser.GetAsync($"/admin/abonnes/{(await Subscribers(bed.Gateway).FindAsync(bounced, None))!.Id}");
        var complainedPage = await browser.GetAsync($"/admin/abonnes/{(await Subscribers(bed.Gateway).FindAsync(complained, None))!.Id}");
        var quietPage = await browser.GetAsync($"/admin/abonnes/{(await Subscribers(bed.Gateway).FindAsync(quiet, None))!.Id}");

        var hard = Assert.Single(ReportRows(bouncedPage));
        var recorded = Assert.Single(await bed.EventsAsync(bounced));
        Assert.Equal(ParisTime(recorded.ReceivedAt), Cell(hard, 0));
        Assert.Equal("rebond définitif adresse inexistante", Cell(hard, 1));
        Assert.Equal("bad", hard.QuerySelector(".pill")!.ClassList[1]);
        Assert.Equal("5.1.1", Cell(hard, 2));
        Assert.Contains("Recipient address rejected", Cell(hard, 3));
        Assert.DoesNotContain(bounced, Cell(hard, 3)); // the record keeps no address
        Assert.Equal("2026-11-30-0800", Cell(hard, 4));
        Assert.StartsWith("bloqué : hard bounce (delivery report): 5.1.1", BlockedReason(bouncedPage));

        var complaint = Assert.Single(ReportRows(complainedPage));
        Assert.Equal("plainte (signalé comme indésirable)", Cell(complaint, 1));
        Assert.Equal(("—", "2026-11-30-0800"), (Cell(complaint, 2), Cell(complaint, 4)));
        Assert.StartsWith("bloqué : complaint (abuse report", BlockedReason(complainedPage));
        Assert.Contains("désabonné", complainedPage.Document.QuerySelector(".pill")!.TextContent);

        Assert.Empty(ReportRows(quietPage));
        Assert.Contains("Rien n’est revenu pour cette adresse", quietPage.MainText);
        Assert.Null(quietPage.Document.QuerySelector(".pill.bad"));
    }

    [Fact]
    public async Task ShowOne_ReportsWithMarkupInTheirDiagnostic_AreEscapedAndDatedInParisTime()
    {
        await using var gateway = await StartAsync();
        var reader = (await SubscribersAsync(gateway, ("lectrice@exemple.fr", null))).Single();
        var store = gateway.Services.GetRequiredService<BounceStore>();
        const string hostile = "550 <b>refusé</b> & \"<script>alert('rebond')</script>\"";
        await store.RecordAsync("evenement-hiver", BounceEvent.DeliveryReport, reader.Address, "digest-2026-11-30-0800", "5.7.1", BounceClass.Policy, hostile, "policy: address kept", None);
        gateway.Clock!.SetUtcNow(new DateTimeOffset(2027, 6, 14, 12, 5, 0, TimeSpan.Zero));
        await store.RecordAsync("evenement-ete", BounceEvent.MailedUnsubscribe, reader.Address, null, null, null, null, "unsubscribed", None);
        using var browser = await SignedInAsync(gateway, AdministratorName);

        var page = await browser.GetAsync($"/admin/abonnes/{reader.Id}");

        var rows = ReportRows(page);
        Assert.Equal(2, rows.Count);
        Assert.Equal(("14/06/2027 14:05", "désabonnement par mail", "—", "—"), (Cell(rows[0], 0), Cell(rows[0], 1), Cell(rows[0], 2), Cell(rows[0], 3))); // summer: UTC+2
        Assert.Equal(("27/11/2026 10:00", "rebond temporaire refus du destinataire", "5.7.1"), (Cell(rows[1], 0), Cell(rows[1], 1), Cell(rows[1], 2))); // winter: UTC+1
        Assert.Equal("wait", rows[1].QuerySelector(".pill")!.ClassList[1]);
        Assert.Equal(hostile, rows[1].Children[3].TextContent);
        Assert.Equal("policy: address kept", rows[1].GetAttribute("title"));
        Assert.Empty(page.Document.QuerySelectorAll("main script, main b, [style]"));
        Assert.DoesNotContain("<script>alert", page.Html);
    }

    /// <summary>The rows of the table of what came back about the subscriber.</summary>
    private static List<IElement> ReportRows(Page page) =>
        [.. page.Document.QuerySelectorAll("[aria-label='Rebonds, plaintes et désabonnements par mail'] tbody tr")];

    private static string Cell(IElement row, int index) =>
        string.Join(' ', row.Children[index].TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static string BlockedReason(Page page) => page.Document.QuerySelector(".pill.bad.long")?.TextContent.Trim() ?? "";

    private static string ParisTime(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")).ToString("dd/MM/yyyy HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Export_Administrator_DownloadsEverySubscriberAsCsv()
    {
        await using var gateway = await StartAsync();
        await SubscribersAsync(gateway, ("lectrice@exemple.fr", ["analyses"]));
        using var browser = await SignedInAsync(gateway, AdministratorName);

        var export = await browser.GetAsync("/admin/abonnes/export");

        Assert.Equal("text/csv", export.Response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("lectrice@exemple.fr,,", export.Html);
    }

    [Fact]
    public async Task Settings_Administrator_SeesTheSettingsWithSecretsMasked()
    {
        await using var gateway = await StartAsync();
        using var browser = await SignedInAsync(gateway, AdministratorName);

        var page = await browser.GetAsync("/admin/reglages");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Desk:SessionTimeout", page.MainText);
        Assert.DoesNotContain(Gateway.AdminToken, page.Html);
        Assert.DoesNotContain(Gateway.LinkSecret, page.Html);
        Assert.Contains("défini (masqué)", page.MainText);
    }
}
