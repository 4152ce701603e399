using System.Net;
using System.Net.Http.Json;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Subscribers.SubscriptionFlowTests;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>
/// The sign-up form embedded on the magazine's own pages: a cross-origin post without our cookie,
/// accepted only from the origins of Subscribers:EmbedOrigins; CORS for the JSON endpoint likewise.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class EmbeddedFormTests
{
    private const string Magazine = "https://www.en-contact.com";

    private static Task<Running> StartEmbeddableAsync() =>
        StartAsync(new() { ["Subscribers:EmbedOrigins:0"] = Magazine, ["Subscribers:EmbedOrigins:1"] = "https://partenaire.example" });

    /// <summary>The documented snippet's fields, posted as a browser on <paramref name="origin"/> would (no cookie, no anti-forgery field).</summary>
    private static Task<Page> PostFromAsync(Browser browser, string? origin, params (string Name, string Value)[] extra)
    {
        if (origin is not null)
            browser.Headers.Add("Origin", origin);
        return browser.PostFormAsync("/subscribe", [new("email", "lecteur@exemple.fr"), new("website", ""), .. extra.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]);
    }

    [Fact]
    public async Task Subscribe_FormPostedFromAListedOrigin_IsAcceptedAndMailsAConfirmation()
    {
        await using var running = await StartEmbeddableAsync();
        using var browser = new Browser(running.Gateway);

        var page = await PostFromAsync(browser, Magazine);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("Vérifiez votre messagerie", page.Heading);
        await running.Server.WaitForMessagesAsync(1);
        Assert.Equal(["lecteur@exemple.fr"], running.Server.Messages[0].To);
    }

    /// <summary>The first ```html block of docs/subscribers.md: the snippet the magazine pastes.</summary>
    private static AngleSharp.Html.Dom.IHtmlFormElement DocumentedSnippet()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "EnContact.Syndication.sln")))
            folder = folder.Parent;
        var markdown = File.ReadAllText(Path.Combine(folder!.FullName, "docs", "subscribers.md"));
        var html = System.Text.RegularExpressions.Regex.Match(markdown, "```html\n(?<html>.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline).Groups["html"].Value;
        return new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html).Forms.Single();
    }

    [Fact]
    public async Task DocumentedSnippet_PostedFromAListedOrigin_SignsTheReaderUpWithoutScriptOrCookie()
    {
        var snippet = DocumentedSnippet();
        Assert.Empty(snippet.QuerySelectorAll("script"));
        Assert.Equal("https://lettre.en-contact.com/subscribe", snippet.Action);
        await using var running = await StartEmbeddableAsync();
        using var browser = new Browser(running.Gateway);
        browser.Headers.Add("Origin", Magazine);
        var fields = snippet.Elements.OfType<AngleSharp.Html.Dom.IHtmlInputElement>()
            .Select(i => new KeyValuePair<string, string>(i.Name!, i.Name == "email" ? "lecteur@exemple.fr" : i.Value)).ToList();

        var page = await browser.PostFormAsync(new Uri(snippet.Action).AbsolutePath, fields);

        Assert.Equal("Vérifiez votre messagerie", page.Heading);
        await running.Server.WaitForMessagesAsync(1);
        Assert.Equal(["lecteur@exemple.fr"], running.Server.Messages[0].To);
    }

    [Fact]
    public async Task Subscribe_FormPostedFromAListedOriginWithTheHoneypotFilled_SameAnswerNoMail()
    {
        await using var running = await StartEmbeddableAsync();
        using var browser = new Browser(running.Gateway);

        browser.Headers.Add("Origin", Magazine);

        var page = await browser.PostFormAsync("/subscribe", [new("email", "lecteur@exemple.fr"), new("website", "http://spam.example")]);

        Assert.Equal("Vérifiez votre messagerie", page.Heading);
        Assert.Null(await Store(running.Gateway).FindAsync("lecteur@exemple.fr", CancellationToken.None));
    }

    [Theory]
    [InlineData("https://ailleurs.example")]
    [InlineData("http://www.en-contact.com")]
    public async Task Subscribe_FormPostedFromAnUnlistedOrigin_IsRefusedWithAFrenchPage(string origin)
    {
        await using var running = await StartEmbeddableAsync();
        using var browser = new Browser(running.Gateway);

        var page = await PostFromAsync(browser, origin);

        Assert.Equal(HttpStatusCode.Forbidden, page.Status);
        Assert.Equal("Inscription refusée depuis ce site", page.Heading);
        Assert.Null(await Store(running.Gateway).FindAsync("lecteur@exemple.fr", CancellationToken.None));
    }

    [Fact]
    public async Task Subscribe_RefererOfAnUnlistedOriginWithoutOrigin_IsRefused()
    {
        await using var running = await StartEmbeddableAsync();
        using var browser = new Browser(running.Gateway);
        browser.Headers.Referrer = new Uri("https://ailleurs.example/page");

        var page = await PostFromAsync(browser, null);

        Assert.Equal(HttpStatusCode.Forbidden, page.Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    public async Task Subscribe_FormWithoutOriginAndWithoutTheAntiForgeryField_StillNeedsIt(string? origin)
    {
        await using var running = await StartEmbeddableAsync();
        using var browser = new Browser(running.Gateway);

        var page = await PostFromAsync(browser, origin);

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal("Le formulaire a expiré", page.Heading);
        Assert.Null(await Store(running.Gateway).FindAsync("lecteur@exemple.fr", CancellationToken.None));
    }

    [Fact]
    public async Task Subscribe_EmbeddedFormWithAMistake_OurFormAgainWithEverySectionTickedAndAnAntiForgeryField()
    {
        await using var running = await StartEmbeddableAsync();
        using var browser = new Browser(running.Gateway);
        browser.Headers.Add("Origin", Magazine);

        var page = await browser.PostFormAsync("/subscribe", [new("email", "lecteur@exemple")]);

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.NotNull(page.Document.QuerySelector("input[name=csrf]"));
        Assert.All(page.Document.QuerySelectorAll("input[name=sections]").OfType<AngleSharp.Html.Dom.IHtmlInputElement>(), box => Assert.True(box.IsChecked));
    }

    [Fact]
    public async Task Preflight_FromAListedOrigin_AllowsAJsonPost()
    {
        await using var running = await StartEmbeddableAsync();
        using var client = running.Gateway.NewClient(null);
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/subscribe");
        preflight.Headers.Add("Origin", Magazine);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");

        var response = await client.SendAsync(preflight);

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal(Magazine, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Contains("Content-Type", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Origin", response.Headers.Vary);
    }

    [Fact]
    public async Task Preflight_FromAnUnlistedOrigin_CarriesNoCorsHeader()
    {
        await using var running = await StartEmbeddableAsync();
        using var client = running.Gateway.NewClient(null);
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/subscribe");
        preflight.Headers.Add("Origin", "https://ailleurs.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");

        var response = await client.SendAsync(preflight);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task SubscribeJson_FromAListedOrigin_IsAcceptedWithItsCorsHeader()
    {
        await using var running = await StartEmbeddableAsync();
        using var client = running.Gateway.NewClient(null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/subscribe") { Content = JsonContent.Create(new { email = "lecteur@exemple.fr" }) };
        request.Headers.Add("Origin", Magazine);

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(Magazine, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task SubscribeJson_FromAnUnlistedOrigin_IsRefusedWithoutCorsHeader()
    {
        await using var running = await StartEmbeddableAsync();
        using var client = running.Gateway.NewClient(null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/subscribe") { Content = JsonContent.Create(new { email = "lecteur@exemple.fr" }) };
        request.Headers.Add("Origin", "https://ailleurs.example");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Null(await Store(running.Gateway).FindAsync("lecteur@exemple.fr", CancellationToken.None));
    }
}
