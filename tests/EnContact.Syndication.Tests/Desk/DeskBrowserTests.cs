using System.Text;
using Deque.AxeCore.Commons;
using System.Text.RegularExpressions;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using EnContact.Syndication.Tests.Templating;
using Microsoft.Playwright;
using static EnContact.Syndication.Tests.Desk.DeskFixture;
using static EnContact.Syndication.Tests.Desk.NextEditionPageTests;
using static EnContact.Syndication.Tests.Digests.DigestTestData;
using static Microsoft.Playwright.Assertions;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>
/// The desk in a real Chromium: an editor's whole journey under the pages' real Content-Security-Policy
/// (sign in, read the letter, approve it, watch it go out live, sign out), and every desk page free of
/// serious accessibility problems (axe-core) at 390 and 1280 px, without sideways scrolling on a phone.
/// With ENCONTACT_TEST_SCREENSHOTS set to a folder, each page is photographed there at 390 and 1280 px.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class DeskBrowserTests
{
    /// <summary>A failure detector for what the gateway does in the background (delivery, the progress stream), not a pace.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions Patiently = new() { Timeout = 30_000 };

    [Fact]
    public async Task Journey_SignInApproveAndWatchTheDelivery_MailsEveryReaderThenSignsOut()
    {
        var (gateway, server) = await WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        await using var chromium = await Chromium.LaunchAsync();
        // The pages' own CSP in force: the live progress must work with the script the gateway serves, nothing inline.
        var page = await NewDeskPageAsync(chromium, gateway, 1280, bypassCsp: false);
        var errors = ErrorsOf(page);

        await page.GotoAsync("/admin");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/connexion"));
        await page.GetByLabel("Identifiant").FillAsync(EditorName);
        await page.GetByLabel("Mot de passe").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Se connecter" }).ClickAsync();

        await Expect(page.Locator("h1")).ToHaveTextAsync("La lettre n° 1 attend votre validation");
        Assert.Equal("/admin", new Uri(page.Url).AbsolutePath);
        var session = (await page.Context.CookiesAsync()).Single(c => c.Name == "encontact.desk");
        Assert.Equal((true, true, SameSiteAttribute.Strict, "/admin"), (session.Secure, session.HttpOnly, session.SameSite, session.Path));
        // The letter is really drawn in its sandboxed frame (framed by the desk, refused by nobody).
        var letter = page.FrameLocator("iframe.preview");
        await Expect(ArticleLink(letter, "Baromètre 2026 du nearshore")).ToBeVisibleAsync();
        await Expect(ArticleLink(letter, "Externalisation : les contrats se durcissent")).ToBeVisibleAsync();

        // One message stays at the SMTP server until released: the edition cannot have finished when its page loads.
        var release = new TaskCompletionSource();
        var (arrived, recorded) = server.HoldNext(release.Task);
        string? question = null;
        page.Dialog += async (_, dialog) =>
        {
            question = dialog.Message;
            await dialog.AcceptAsync();
        };
        await page.GetByRole(AriaRole.Button, new() { Name = "Approuver et envoyer" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/admin/editions"));
        Assert.Equal("Approuver et envoyer la lettre n° 1 maintenant ?", question);
        await Expect(page.Locator(".notice")).ToHaveTextAsync("Édition approuvée : elle part maintenant.");
        var row = page.Locator($"tr[data-campaign='{DigestCampaign.Of(Key)}']");
        await arrived;
        await Expect(row.Locator("[data-field=state]")).Not.ToHaveTextAsync("terminé");
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");
        release.SetResult();

        await Expect(row.Locator("[data-field=state]")).ToHaveTextAsync("terminé", Patiently);
        await Expect(row.Locator("[data-field=sent]")).ToHaveTextAsync("2");
        await Expect(row.Locator("[data-field=pending]")).ToHaveTextAsync("0");
        Assert.Equal(100, await row.Locator("progress").EvaluateAsync<int>("bar => bar.value"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded instead of updated");
        await recorded;
        await server.WaitForMessagesAsync(2);
        Assert.Equal(["etudes@exemple.fr", "lectrice@exemple.fr"], server.Messages.SelectMany(m => m.To).Order().ToList());

        await page.GetByRole(AriaRole.Button, new() { Name = "Se déconnecter" }).ClickAsync();
        await Expect(page.Locator(".notice")).ToHaveTextAsync("Vous êtes déconnecté.");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "encontact.desk");
        await page.GotoAsync("/admin/editions");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/connexion"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Connexion au bureau");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DeskPages_At390And1280Pixels_NoSeriousAccessibilityViolationAndNoSidewaysScroll()
    {
        var (gateway, server) = await WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        // What makes pages long and wide: a refused address with the relay's own long reason, a file that
        // could not be read, an article changed since the letter was built.
        server.RejectRecipient("etudes@exemple.fr", 550, reply: "5.1.1 <etudes@exemple.fr>: Recipient address rejected: User unknown in virtual mailbox table");
        gateway.WriteContent("2026/un-dossier-au-nom-assez-long/casse-par-une-date-illisible.md", "---\ntitle: Cassé\npublished: pas une date\n---\nTexte.\n");
        await gateway.ScanAsync();
        await ArticleAsync(gateway, "e1", "Baromètre 2026 du nearshore, corrigé", "études", "2026-11-25 08:00");
        var reader = (await gateway.Services.GetRequiredService<SubscriberStore>().FindAsync("etudes@exemple.fr", CancellationToken.None))!;
        await using var chromium = await Chromium.LaunchAsync();
        var problems = new List<string>();
        var phone = await NewDeskPageAsync(chromium, gateway, 390, bypassCsp: true);
        var desktop = await NewDeskPageAsync(chromium, gateway, 1280, bypassCsp: true);

        foreach (var page in new[] { phone, desktop })
        {
            await page.GotoAsync("/admin/connexion?fait=deconnecte");
            await CheckAsync(page, "desk-connexion", problems);
            await SignInAsync(page, AdministratorName, "pas le bon mot de passe");
            await Expect(page.Locator(".problem")).ToBeVisibleAsync();
            await CheckAsync(page, "desk-connexion-refusee", problems);
            await SignInAsync(page, AdministratorName, Password);
            await Expect(page.Locator("h1")).ToHaveTextAsync("La lettre n° 1 attend votre validation");
            await Expect(ArticleLink(page.FrameLocator("iframe.preview"), "Baromètre 2026 du nearshore")).ToBeVisibleAsync();
            await CheckAsync(page, "desk-lettre", problems);
        }

        await gateway.Services.GetRequiredService<DigestEditions>().ApproveAsync(Key, CancellationToken.None);
        await MembersPageTests.SeedAsync(gateway);
        await gateway.WaitForCampaignAsync(DigestCampaign.Of(Key), p => p.Total > 0 && p.Pending == 0 && p.Sending == 0);

        (string Name, string Path)[] pages =
        [
            ("desk-lettre-suivante", "/admin"),
            ("desk-editions", "/admin/editions?fait=approuvee"),
            ("desk-articles", "/admin/articles"),
            ("desk-flux", "/admin/flux"),
            ("desk-abonnes", "/admin/abonnes"),
            ("desk-abonne", $"/admin/abonnes/{reader.Id}"),
            ("desk-abonne-effacer", $"/admin/abonnes/{reader.Id}?effacer=true"),
            ("desk-membres", "/admin/membres"),
            ("desk-reglages", "/admin/reglages"),
            ("desk-interdit", "/admin/interdit"),
        ];
        foreach (var page in new[] { phone, desktop })
        {
            foreach (var (name, path) in pages)
            {
                await page.GotoAsync(path);
                await CheckAsync(page, name, problems);
            }
            await page.GotoAsync("/admin/abonnes");
            await page.Locator("#fichier").SetInputFilesAsync(new FilePayload { Name = "lecteurs-salon-relation-client-2026.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(ImportCsv) });
            await page.GetByRole(AriaRole.Button, new() { Name = "Vérifier le fichier" }).ClickAsync();
            await Expect(page.Locator("#rapport h2")).ToContainTextAsync("Vérification");
            await CheckAsync(page, "desk-abonnes-import", problems);
            await page.Context.CloseAsync();
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task HeldEditionPage_At390And1280Pixels_NoSeriousAccessibilityViolationAndNoSidewaysScroll()
    {
        var server = await TestSmtpServer.StartNewAsync();
        await using var _ = server;
        var settings = server.GatewaySettings(retryAttempts: 0);
        foreach (var key in new[] { "Dkim:PrivateKey", "Dkim:Domain", "Dkim:Selector" })
            settings.Remove(key); // through a relay, unsigned: the letter is held with its reasons
        await using var gateway = await StartAsync(settings);
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lectrice@exemple.fr", null));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(CancellationToken.None);
        await using var chromium = await Chromium.LaunchAsync();
        var problems = new List<string>();

        foreach (var width in new[] { 390, 1280 })
        {
            var page = await NewDeskPageAsync(chromium, gateway, width, bypassCsp: true);
            await page.GotoAsync("/admin/connexion");
            await SignInAsync(page, AdministratorName, Password);
            await Expect(page.Locator("h1")).ToHaveTextAsync("La lettre n° 1 est retenue avant l’envoi");
            await Expect(page.GetByLabel("Ou l’envoyer malgré tout : motif (enregistré avec l’édition, votre nom et l’heure)")).ToBeVisibleAsync();
            await CheckAsync(page, "desk-lettre-retenue", problems);
            await page.Context.CloseAsync();
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private const string ImportCsv = """
        email,name,consent_date,consent_source,sections
        nouvelle.lectrice.avec.une.adresse.tres.longue@groupe-relation-client-exemple.fr,Nouvelle Lectrice,2026-10-01,salon,analyses
        pas-une-adresse,X,2026-10-01,salon,
        lectrice@exemple.fr,,2026-10-02,salon,
        """;

    /// <summary>Axe-core and the page's width (nothing to scroll sideways); every problem is kept and the test goes on to the next page.</summary>
    private static async Task CheckAsync(IPage page, string name, List<string> problems)
    {
        var width = page.ViewportSize!.Width;
        try
        {
            await Chromium.AssertNoHorizontalScrollAsync(page, width);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            problems.Add($"[{width}] {e.Message}");
        }
        try
        {
            // The letter's sandboxed frame runs no script, axe's included: the desk around it is what is checked here.
            await Chromium.AssertAccessibleAsync(page, new AxeRunOptions { Iframes = false }).WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Xunit.Sdk.XunitException e)
        {
            problems.Add($"[{width}] {e.Message}");
        }
        if (width < 600)
            await PublicPagesBrowserTests.ScreenshotAsync(page, name);
    }

    private static ILocator ArticleLink(IFrameLocator letter, string title) =>
        letter.GetByRole(AriaRole.Link, new() { Name = title, Exact = true });

    private static async Task SignInAsync(IPage page, string name, string password)
    {
        await page.GetByLabel("Identifiant").FillAsync(name);
        await page.GetByLabel("Mot de passe").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Se connecter" }).ClickAsync();
    }

    /// <summary>
    /// A fresh page on the desk, <paramref name="width"/> CSS pixels wide. <paramref name="bypassCsp"/> only so that
    /// axe-core can be injected; the journey keeps the pages' CSP.
    /// </summary>
    private static async Task<IPage> NewDeskPageAsync(Chromium chromium, Gateway gateway, int width, bool bypassCsp)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = width < 600 ? 844 : 900 },
            IsMobile = width < 600,
            HasTouch = width < 600,
            Locale = "fr-FR",
            BypassCSP = bypassCsp,
        });
        return await context.NewPageAsync();
    }

    /// <summary>Script errors and console errors (a CSP refusal is one) seen on the page from now on.</summary>
    private static List<string> ErrorsOf(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                lock (errors)
                    errors.Add($"console: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
                errors.Add($"script: {error}");
        };
        return errors;
    }
}
