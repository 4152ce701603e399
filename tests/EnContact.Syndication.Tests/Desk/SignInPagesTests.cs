using System.Net;
using EnContact.Syndication.Desk;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Desk.DeskFixture;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>Signing in and out of the desk over real HTTP: one message for every refusal, lock-out on the gateway's clock, strict cookies, forms that must carry their anti-forgery field.</summary>
[Trait("Speed", "Slow")]
public sealed class SignInPagesTests
{
    [Fact]
    public async Task SignIn_RightPassword_OpensTheDeskWithAStrictSecureHttpOnlySessionCookie()
    {
        await using var gateway = await StartAsync();
        using var browser = new DeskBrowser(gateway);

        var refused = await browser.GetAsync("/admin", follow: false);
        Assert.Equal(HttpStatusCode.Redirect, refused.Status);
        Assert.Equal("/admin/connexion", new Uri(gateway.BaseAddress, refused.Response.Headers.Location!).AbsolutePath);

        await browser.GetAsync("/admin/connexion");
        var desk = await browser.SubmitAsync("/admin/connexion", ("nom", " Claire "), ("motdepasse", Password));

        Assert.Equal(HttpStatusCode.OK, desk.Status);
        Assert.Equal("/admin", desk.Response.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("claire (rédaction)", desk.Document.QuerySelector(".who")!.TextContent);
        var session = browser.SetCookies.Single(c => c.StartsWith(DeskAuthentication.CookieName + "=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("; secure", session);
        Assert.Contains("; httponly", session);
        Assert.Contains("; samesite=strict", session);
        Assert.Contains("; path=/admin", session);
        Assert.DoesNotContain("expires=", session); // a session cookie: gone with the browser, and the ticket itself slides
        Assert.Equal("no-store", desk.Response.Headers.CacheControl!.ToString());
        Assert.Contains("frame-ancestors 'none'", desk.Response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task SignIn_WrongPasswordAndUnknownName_AnswerTheSameMessage()
    {
        await using var gateway = await StartAsync();
        using var browser = new DeskBrowser(gateway);

        await browser.GetAsync("/admin/connexion");
        var wrongPassword = await browser.SubmitAsync("/admin/connexion", ("nom", EditorName), ("motdepasse", "pas le bon mot de passe"));
        var unknownName = await browser.SubmitAsync("/admin/connexion", ("nom", "personne"), ("motdepasse", "pas le bon mot de passe"));

        Assert.Equal(HttpStatusCode.BadRequest, wrongPassword.Status);
        Assert.Equal(SignInPages.Refused, Problem(wrongPassword));
        Assert.Equal((wrongPassword.Status, Problem(wrongPassword)), (unknownName.Status, Problem(unknownName)));
        Assert.False(browser.HasCookie(DeskAuthentication.CookieName));
    }

    [Fact]
    public async Task SignIn_AfterRepeatedFailures_RefusesEvenTheRightPasswordUntilTheLockOutEnds()
    {
        await using var gateway = await StartAsync(new() { ["Desk:MaxFailedSignIns"] = "3", ["Desk:LockoutDuration"] = "00:15:00" });
        using var browser = new DeskBrowser(gateway);
        await browser.GetAsync("/admin/connexion");
        for (var i = 0; i < 3; i++)
            await browser.SubmitAsync("/admin/connexion", ("nom", EditorName), ("motdepasse", "essai " + i + " qui rate"));

        var locked = await browser.SubmitAsync("/admin/connexion", ("nom", EditorName), ("motdepasse", Password));
        Assert.Equal(HttpStatusCode.BadRequest, locked.Status);
        Assert.Equal(SignInPages.Refused, Problem(locked));
        var otherAccount = await SignedInAsync(gateway, AdministratorName); // the lock is per account
        otherAccount.Dispose();

        gateway.Clock!.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        await browser.GetAsync("/admin/connexion");
        var open = await browser.SubmitAsync("/admin/connexion", ("nom", EditorName), ("motdepasse", Password));
        Assert.Equal(HttpStatusCode.OK, open.Status);
        Assert.True(browser.HasCookie(DeskAuthentication.CookieName));
    }

    [Fact]
    public async Task SignOut_Post_EndsTheSession()
    {
        await using var gateway = await StartAsync();
        using var browser = await SignedInAsync(gateway);

        var signedOut = await browser.SubmitAsync("/admin/deconnexion");

        Assert.Equal("Vous êtes déconnecté.", Notice(signedOut));
        Assert.False(browser.HasCookie(DeskAuthentication.CookieName));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/admin", follow: false)).Status);
    }

    [Fact]
    public async Task SignOut_ForgedPostWithoutTheAntiforgeryField_IsRefusedAndTheSessionStays()
    {
        await using var gateway = await StartAsync();
        using var browser = await SignedInAsync(gateway);

        var forged = await browser.PostAsync("/admin/deconnexion", new FormUrlEncodedContent([new("csrf", "forged-token")]));

        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        Assert.Equal("Formulaire expiré", forged.Heading);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin", follow: false)).Status);
    }

    [Fact]
    public async Task Desk_AdminApiToken_OpensTheApiButNotTheDesk()
    {
        await using var gateway = await StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/api/digests")).StatusCode);
        var desk = await gateway.Client.GetAsync("/admin"); // follows the redirect
        Assert.Equal("/admin/connexion", desk.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task SignIn_ReturnPathToAnotherSite_LandsOnTheDesk()
    {
        await using var gateway = await StartAsync();
        using var browser = new DeskBrowser(gateway);
        await browser.GetAsync("/admin/connexion?retour=//evil.example/admin");

        var page = await browser.SubmitAsync("/admin/connexion", ("nom", EditorName), ("motdepasse", Password));

        Assert.Equal("/admin", page.Response.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(gateway.BaseAddress.Host, page.Response.RequestMessage.RequestUri.Host);
    }

    [Fact]
    public async Task Desk_AccountRemovedWhileSignedIn_EndsTheSession()
    {
        await using var gateway = await StartAsync();
        using var browser = await SignedInAsync(gateway);

        await gateway.Services.GetRequiredService<StaffStore>().RemoveAsync(EditorName, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/admin", follow: false)).Status);
    }
}
