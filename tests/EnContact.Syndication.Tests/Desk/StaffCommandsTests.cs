using System.Net;
using EnContact.Syndication.Desk;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>The staff verbs run as the real executable: the password never on the command line, and an account that then signs in to a running desk.</summary>
[Trait("Speed", "Slow")]
public sealed class StaffCommandsTests
{
    private static readonly (string, string?)[] NoVariables = [];

    [Fact]
    public async Task StaffVerbs_AddListPasswordRemove_ManageAccountsThatSignIn()
    {
        using var work = new TempDirectory();

        var added = await GatewayProcess.RunWithInputAsync(work.Path, NoVariables, "un mot de passe très long\n", "staff", "add", "Claire", "--role", "editor", "--email", "claire@en-contact.com");
        Assert.True(added.Code == 0, added.Error);
        Assert.Equal("account claire created (editor, claire@en-contact.com)", added.Output.Trim());

        var twice = await GatewayProcess.RunWithInputAsync(work.Path, [(StaffCommands.PasswordVariable, "un autre mot de passe long")], null, "staff", "add", "claire", "--role", "administrator", "--email", "c@en-contact.com");
        Assert.Equal(1, twice.Code);
        Assert.Contains("already exists", twice.Error);

        var tooShort = await GatewayProcess.RunWithInputAsync(work.Path, NoVariables, "court\n", "staff", "add", "paul", "--role", "editor", "--email", "paul@en-contact.com");
        Assert.Equal((1, $"the password must have at least {StaffPasswords.MinLength} characters"), (tooShort.Code, tooShort.Error.Trim()));

        var changed = await GatewayProcess.RunWithInputAsync(work.Path, [(StaffCommands.PasswordVariable, "le nouveau mot de passe")], null, "staff", "password", "claire");
        Assert.True(changed.Code == 0, changed.Error);

        var list = await GatewayProcess.RunAsync(work.Path, NoVariables, "staff", "list");
        Assert.Equal(0, list.Code);
        Assert.Contains("claire", list.Output);
        Assert.Contains("1 account(s)", list.Output);
        Assert.DoesNotContain("mot de passe", list.Output);

        await using (var serving = await GatewayProcess.ServeAsync(work.Path, NoVariables, line => line.Contains("Now listening on", StringComparison.Ordinal)))
        {
            var url = serving.Output.Concat(serving.Errors).Select(l => System.Text.RegularExpressions.Regex.Match(l, @"http://127\.0\.0\.1:\d+")).First(m => m.Success).Value;
            using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
            var form = await client.GetAsync("/admin/connexion");
            var html = await form.Content.ReadAsStringAsync();
            var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value;
            var cookie = string.Join("; ", form.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
            using var post = new HttpRequestMessage(HttpMethod.Post, "/admin/connexion")
            {
                Content = new FormUrlEncodedContent([new("csrf", token), new("nom", "claire"), new("motdepasse", "le nouveau mot de passe")]),
            };
            post.Headers.Add("Cookie", cookie);
            var signedIn = await client.SendAsync(post);
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Contains(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(DeskAuthentication.CookieName + "=", StringComparison.Ordinal));
        }

        var removed = await GatewayProcess.RunAsync(work.Path, NoVariables, "staff", "remove", "claire");
        Assert.Equal((0, "account claire removed"), (removed.Code, removed.Output.Trim()));
        Assert.Equal(1, (await GatewayProcess.RunAsync(work.Path, NoVariables, "staff", "remove", "claire")).Code);
    }
}
