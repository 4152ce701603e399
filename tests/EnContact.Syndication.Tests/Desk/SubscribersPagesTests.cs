using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Desk.DeskFixture;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>The subscribers pages: administrators only; CSV import checked then applied; erasure behind a confirmation; one subscriber's history.</summary>
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
