using System.Net;
using AngleSharp.Html.Dom;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Subscribers.SubscriptionFlowTests;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>The sign-up form as a French reader meets it: mistakes explained in French, the form given back as they left it.</summary>
[Trait("Speed", "Slow")]
public sealed class SignUpFormTests
{
    private static string[] Ticked(Page page) =>
        [.. page.Document.QuerySelectorAll("input[name=sections]").OfType<IHtmlInputElement>().Where(i => i.IsChecked).Select(i => i.Value)];

    [Fact]
    public async Task Subscribe_AddressWithATypo_FormAgainInPlainFrenchKeepingTheAddressAndTheTickedSections()
    {
        await using var running = await StartAsync();
        using var browser = new Browser(running.Gateway);
        await browser.GetAsync("/subscribe");

        var page = await browser.SubmitWithChoicesAsync("sections", ["analyses", "études"], ("email", "marie.dupont@exemple"));

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        var errors = page.Document.QuerySelector(".errors")!.TextContent;
        Assert.Contains("« marie.dupont@exemple »", errors.Replace('\u00A0', ' '));
        Assert.Contains("vérifiez-la", errors);
        Assert.DoesNotContain("email", errors.Replace("marie.dupont@exemple", ""));
        Assert.DoesNotContain(" is ", errors);
        Assert.Equal("marie.dupont@exemple", ((IHtmlInputElement)page.Document.QuerySelector("#email")!).Value);
        Assert.Equal("true", page.Document.QuerySelector("#email")!.GetAttribute("aria-invalid"));
        Assert.Equal(["analyses", "études"], Ticked(page));
        Assert.Empty(running.Server.Messages);
    }

    [Fact]
    public async Task Subscribe_EverySectionUnticked_AsksForOneAndKeepsThemUnticked()
    {
        await using var running = await StartAsync();
        using var browser = new Browser(running.Gateway);
        await browser.GetAsync("/subscribe");

        var page = await browser.SubmitWithChoicesAsync("sections", [], ("email", "marie@exemple.fr"));

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("Cochez au moins une rubrique", page.Document.QuerySelector(".errors")!.TextContent);
        Assert.Empty(Ticked(page));
        Assert.Equal("marie@exemple.fr", ((IHtmlInputElement)page.Document.QuerySelector("#email")!).Value);
    }

    [Fact]
    public async Task Subscribe_CorrectedAfterAMistake_SendsTheConfirmationForTheSectionsKept()
    {
        await using var running = await StartAsync();
        using var browser = new Browser(running.Gateway);
        await browser.GetAsync("/subscribe");
        await browser.SubmitWithChoicesAsync("sections", ["entretiens"], ("email", "marie@"));

        var page = await browser.SubmitAsync(0, ("email", "marie@exemple.fr"));

        Assert.Equal("Vérifiez votre messagerie", page.Heading);
        await running.Server.WaitForMessagesAsync(1);
        await browser.GetAsync(Browser.LinkPath(running.Server.Messages[0].Message, ConfirmPrefix));
        Assert.Contains("Rubriques : entretiens", browser.Current!.MainText); // MainText folds the no-break space
    }

    [Fact]
    public async Task PublicPages_SignUpAndArchive_AreIndexableWhileTokenPagesAreNot()
    {
        await using var running = await StartAsync();
        using var browser = new Browser(running.Gateway);

        foreach (var path in new[] { "/subscribe", "/digests" })
        {
            var page = await browser.GetAsync(path);
            Assert.Null(page.Document.QuerySelector("meta[name=robots]"));
            Assert.False(page.Response.Headers.Contains("X-Robots-Tag"), path);
        }
        var token = await browser.GetAsync("/preferences/not-a-token");
        Assert.Equal("noindex", token.Document.QuerySelector("meta[name=robots]")?.GetAttribute("content"));
        Assert.Equal("noindex", token.Response.Headers.GetValues("X-Robots-Tag").Single());
    }
}
