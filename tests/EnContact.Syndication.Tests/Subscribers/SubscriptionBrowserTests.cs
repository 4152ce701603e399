using EnContact.Syndication.Tests.Fixtures;
using EnContact.Syndication.Tests.Templating;
using Microsoft.Playwright;
using static EnContact.Syndication.Tests.Subscribers.SubscriptionFlowTests;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>
/// A reader's whole journey in a real Chromium at phone width: a mistake and its French message, the
/// confirmation mail caught by the test SMTP server, preferences, unsubscription; and the sign-up done
/// with the keyboard alone. axe-core checks each page on the way.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class SubscriptionBrowserTests
{
    /// <summary>A link of a mail (absolute, on the public URL) followed on this gateway.</summary>
    private static string OnGateway(string absolute) => new Uri(absolute).PathAndQuery;

    [Fact]
    public async Task SignUp_TypoCorrectedConfirmedFromTheMail_PreferencesChanged_Unsubscribed()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPageAsync(gateway);

        await page.GotoAsync("/subscribe");
        await page.FillAsync("#email", "marie.dupont@exemple");
        await page.GetByLabel("Indiscrétions").UncheckAsync();
        await page.GetByLabel("Actualités").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Je m’abonne" }).ClickAsync();

        var errors = await page.Locator(".errors").InnerTextAsync();
        Assert.Contains("marie.dupont@exemple", errors);
        Assert.Contains("vérifiez-la", errors);
        Assert.False(await page.GetByLabel("Indiscrétions").IsCheckedAsync());
        Assert.False(await page.GetByLabel("Actualités").IsCheckedAsync());
        Assert.True(await page.GetByLabel("Analyses").IsCheckedAsync());
        Assert.Equal("marie.dupont@exemple", await page.InputValueAsync("#email"));
        await Chromium.AssertAccessibleAsync(page);

        await page.FillAsync("#email", "marie.dupont@exemple.fr");
        await page.GetByRole(AriaRole.Button, new() { Name = "Je m’abonne" }).ClickAsync();
        Assert.Equal("Vérifiez votre messagerie", await page.Locator("h1").InnerTextAsync());
        await Chromium.AssertAccessibleAsync(page);

        await server.WaitForMessagesAsync(1);
        await page.GotoAsync(Browser.LinkPath(server.Messages[0].Message, ConfirmPrefix));
        Assert.Contains("analyses, études, entretiens", await page.Locator("main").InnerTextAsync());
        await Chromium.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Je confirme mon abonnement" }).ClickAsync();
        Assert.Equal("Abonnement confirmé", await page.Locator("h1").InnerTextAsync());
        await Chromium.AssertAccessibleAsync(page);

        await page.GotoAsync(OnGateway(await page.GetByRole(AriaRole.Link, new() { Name = "vos préférences" }).GetAttributeAsync("href") ?? ""));
        await page.GetByLabel("Entretiens").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Enregistrer" }).ClickAsync();
        Assert.Contains("Vos préférences sont enregistrées", await page.Locator("main").InnerTextAsync());
        Assert.Equal(["analyses", "études"], (await Store(gateway).FindAsync("marie.dupont@exemple.fr", CancellationToken.None))!.Sections);
        await Chromium.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Me désabonner" }).ClickAsync();
        Assert.Equal("Désabonnement enregistré", await page.Locator("h1").InnerTextAsync());
        Assert.Equal(EnContact.Syndication.Subscribers.SubscriberStatus.Unsubscribed, (await Store(gateway).FindAsync("marie.dupont@exemple.fr", CancellationToken.None))!.Status);
        await Chromium.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task SignUp_WithTheKeyboardOnly_TabAndEnterComplete_TheForm()
    {
        await using var running = await StartAsync();
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPageAsync(running.Gateway);
        await page.GotoAsync("/subscribe");

        await PublicPagesBrowserTests.TabToAsync(page, "#email");
        await page.Keyboard.TypeAsync("lecteur@exemple.fr");
        await PublicPagesBrowserTests.TabToAsync(page, "input[value=analyses]");
        await page.Keyboard.PressAsync("Space"); // unticks Analyses
        await PublicPagesBrowserTests.TabToAsync(page, "button[type=submit]");
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForURLAsync("**/subscribe");
        Assert.Equal("Vérifiez votre messagerie", await page.Locator("h1").InnerTextAsync());
        await running.Server.WaitForMessagesAsync(1);
        await page.GotoAsync(Browser.LinkPath(running.Server.Messages[0].Message, ConfirmPrefix));
        Assert.Contains("études, entretiens, indiscrétions, actualités", await page.Locator("main").InnerTextAsync());
    }
}
