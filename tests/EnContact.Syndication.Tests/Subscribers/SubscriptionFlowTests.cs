using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>
/// The consent flows end to end: real HTTP over loopback, a reader's browser that fills the pages'
/// forms, a real SMTP server that receives the mails, links followed as a reader would.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class SubscriptionFlowTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    internal const string ConfirmPrefix = Gateway.PublicUrl + "confirm/";

    /// <summary>A started gateway sending through a loopback SMTP server; disposing stops the gateway first, then the server.</summary>
    internal sealed record Running(Gateway Gateway, TestSmtpServer Server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    internal static async Task<Running> StartAsync(Dictionary<string, string?>? extra = null, LogCapture? logs = null)
    {
        var server = await TestSmtpServer.StartNewAsync();
        var settings = server.GatewaySettings();
        settings["Subscribers:ConfirmationResendInterval"] = "00:00:00";
        foreach (var (key, value) in extra ?? [])
            settings[key] = value;
        return new Running(await Gateway.CreateAsync(start: true, settings: settings, logs: logs), server);
    }

    internal static SubscriberStore Store(Gateway gateway) => gateway.Services.GetRequiredService<SubscriberStore>();

    internal static async Task<Page> SubscribeThroughFormAsync(Browser browser, string email, params (string, string?)[] fields)
    {
        await browser.GetAsync("/subscribe");
        return await browser.SubmitAsync(0, [("email", email), .. fields]);
    }

    /// <summary>Subscribes and confirms through the pages and the mail, as a reader does; returns the subscriber.</summary>
    private static async Task<Subscriber> SubscribeAndConfirmAsync(Gateway gateway, TestSmtpServer server, string email)
    {
        using var browser = new Browser(gateway);
        var before = server.Messages.Count;
        await SubscribeThroughFormAsync(browser, email);
        await server.WaitForMessagesAsync(before + 1);
        await browser.GetAsync(Browser.LinkPath(server.Messages[before].Message, ConfirmPrefix));
        Assert.Equal("Abonnement confirmé", (await browser.SubmitAsync()).Heading);
        return (await Store(gateway).FindAsync(email, None))!;
    }

    [Fact]
    public async Task Subscribe_ConfirmationMailLinkFollowed_SubscriberBecomesActiveOnlyAfterThePost()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var browser = new Browser(gateway);

        var answer = await browser.GetAsync("/subscribe") is var form
            ? await browser.SubmitWithChoicesAsync("sections", ["analyses", "indiscrétions"], ("email", " Marie.Dupont@Exemple.FR "), ("name", "Marie Dupont-Lefèvre"))
            : null;
        Assert.Equal(HttpStatusCode.OK, answer!.Status);
        Assert.Equal("Vérifiez votre messagerie", answer.Heading);

        await server.WaitForMessagesAsync(1);
        var received = server.Messages.Single();
        Assert.Equal(["marie.dupont@exemple.fr"], received.To);
        Assert.Equal("Confirmez votre abonnement à la lettre d’En-Contact", received.Message.Subject);
        Assert.False(received.Message.Headers.Contains("List-Unsubscribe"), "a confirmation is not bulk mail");
        var link = Browser.LinkPath(received.Message, ConfirmPrefix);

        var pending = await Store(gateway).FindAsync("marie.dupont@exemple.fr", None);
        Assert.Equal((SubscriberStatus.Pending, "Marie Dupont-Lefèvre"), (pending!.Status, pending.Name));
        Assert.Equal(["analyses", "indiscrétions"], pending.Sections!);

        var confirmPage = await browser.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, confirmPage.Status);
        Assert.Contains("marie.dupont@exemple.fr", confirmPage.MainText);
        Assert.Equal(SubscriberStatus.Pending, (await Store(gateway).FindAsync("marie.dupont@exemple.fr", None))!.Status);

        var confirmed = await browser.SubmitAsync();
        Assert.Equal("Abonnement confirmé", confirmed.Heading);
        var active = await Store(gateway).FindAsync("marie.dupont@exemple.fr", None);
        Assert.Equal(SubscriberStatus.Active, active!.Status);
        Assert.Equal(gateway.Clock!.GetUtcNow(), active.ConsentAt);
        Assert.Equal("web form", active.ConsentSource);
        Assert.NotNull(confirmed.Document.QuerySelector($"a[href^='{Gateway.PublicUrl}preferences/']"));
    }

    [Fact]
    public async Task Subscribe_AnswerIsIdenticalForNewPendingActiveAndUnsubscribedAddresses()
    {
        await using var running = await StartAsync(new() { ["Subscribers:RequestsPerMinutePerClient"] = "1000" });
        var (gateway, server) = running;
        var active = await SubscribeAndConfirmAsync(gateway, server, "active@exemple.fr");
        var gone = await SubscribeAndConfirmAsync(gateway, server, "parti@exemple.fr");
        await Store(gateway).UnsubscribeAsync(gone.Id, "unsubscribed (page)", None);
        using (var browser = new Browser(gateway))
            await SubscribeThroughFormAsync(browser, "attente@exemple.fr");
        var mailsBefore = server.Messages.Count;

        var pages = new List<Page>();
        var json = new List<(HttpStatusCode, string)>();
        foreach (var address in new[] { "nouveau@exemple.fr", "attente@exemple.fr", "active@exemple.fr", "parti@exemple.fr" })
        {
            using var browser = new Browser(gateway);
            pages.Add(await SubscribeThroughFormAsync(browser, address));
            var response = await gateway.NewClient(null).PostAsync("/subscribe",
                new StringContent($$"""{"email":"{{address}}"}""", Encoding.UTF8, "application/json"));
            json.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        Assert.Single(pages.Select(p => (p.Status, p.MainText)).Distinct());
        Assert.Single(json.Distinct());
        Assert.Equal(HttpStatusCode.Accepted, json[0].Item1);
        // Behind the identical answers, each person got the mail that fits: the active one their links, the others a confirmation.
        await server.WaitForMessagesAsync(mailsBefore + 8);
        var subjects = server.Messages.Skip(mailsBefore).GroupBy(m => m.To.Single()).ToDictionary(g => g.Key, g => g.Select(m => m.Message.Subject).Distinct().Single());
        Assert.Equal("Votre abonnement à la lettre d’En-Contact", subjects["active@exemple.fr"]);
        Assert.All(new[] { "nouveau@exemple.fr", "attente@exemple.fr", "parti@exemple.fr" },
            a => Assert.Equal("Confirmez votre abonnement à la lettre d’En-Contact", subjects[a]));
        Assert.Equal(SubscriberStatus.Active, (await Store(gateway).GetAsync(active.Id, None))!.Status);
    }

    [Fact]
    public async Task SubscribeTwice_SecondMailSent_OneSubscriber_FirstLinkStillWorks()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var browser = new Browser(gateway);
        await SubscribeThroughFormAsync(browser, "deux@exemple.fr");
        await SubscribeThroughFormAsync(browser, "DEUX@exemple.fr");
        await server.WaitForMessagesAsync(2);

        var page = await Store(gateway).ListAsync(new SubscriberQuery { Search = "deux" }, None);
        Assert.Equal(1, page.Total);
        await browser.GetAsync(Browser.LinkPath(server.Messages[0].Message, ConfirmPrefix));
        Assert.Equal("Abonnement confirmé", (await browser.SubmitAsync()).Heading);
    }

    [Fact]
    public async Task ConfirmLink_TamperedExpiredOrUsed_IsRefusedWithAPageThatSaysWhy()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var browser = new Browser(gateway);
        await SubscribeThroughFormAsync(browser, "lien@exemple.fr");
        await server.WaitForMessagesAsync(1);
        var link = Browser.LinkPath(server.Messages[0].Message, ConfirmPrefix);

        var tampered = link[..^3] + (link[^3] == 'A' ? 'B' : 'A') + link[^2..];
        var bad = await browser.GetAsync(tampered);
        Assert.Equal((HttpStatusCode.BadRequest, "Ce lien n’est pas valide"), (bad.Status, bad.Heading));

        gateway.Clock!.Advance(TimeSpan.FromHours(49));
        var expired = await browser.GetAsync(link);
        Assert.Equal((HttpStatusCode.Gone, "Ce lien a expiré"), (expired.Status, expired.Heading));
        Assert.Equal(SubscriberStatus.Pending, (await Store(gateway).FindAsync("lien@exemple.fr", None))!.Status);

        // The expired page offers a new link; that one works.
        Assert.Equal("Vérifiez votre messagerie", (await browser.SubmitAsync()).Heading);
        await server.WaitForMessagesAsync(2);
        var fresh = Browser.LinkPath(server.Messages[1].Message, ConfirmPrefix);
        await browser.GetAsync(fresh);
        Assert.Equal("Abonnement confirmé", (await browser.SubmitAsync()).Heading);

        // Used once: after an unsubscription the same link does not subscribe again.
        var subscriber = await Store(gateway).FindAsync("lien@exemple.fr", None);
        await Store(gateway).UnsubscribeAsync(subscriber!.Id, "unsubscribed (page)", None);
        await browser.GetAsync("/subscribe");
        var reused = await browser.PostFormAsync(fresh, [new("csrf", browser.Current!.Document.QuerySelector("input[name=csrf]")!.GetAttribute("value")!)]);
        Assert.Equal((HttpStatusCode.Gone, "Ce lien a déjà servi"), (reused.Status, reused.Heading));
        Assert.Equal(SubscriberStatus.Unsubscribed, (await Store(gateway).FindAsync("lien@exemple.fr", None))!.Status);
    }

    [Fact]
    public async Task Unsubscribe_GetOnlyShows_OneClickPostAsAMailboxProviderSendsIt_Unsubscribes()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        var subscriber = await SubscribeAndConfirmAsync(gateway, server, "unclic@exemple.fr");
        var link = new Uri(gateway.Services.GetRequiredService<SubscriberLinks>().UnsubscribeUrl(subscriber.Id)).PathAndQuery;

        using (var scanner = new Browser(gateway))
        {
            var shown = await scanner.GetAsync(link);
            Assert.Equal((HttpStatusCode.OK, "Se désabonner"), (shown.Status, shown.Heading));
            await scanner.GetAsync(link);
        }
        Assert.Equal(SubscriberStatus.Active, (await Store(gateway).GetAsync(subscriber.Id, None))!.Status);

        // RFC 8058 §3.2: a POST with exactly this body, no cookies, no authorization.
        using var provider = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = gateway.BaseAddress };
        var content = new StringContent("List-Unsubscribe=One-Click", Encoding.ASCII);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        var response = await provider.PostAsync(link, content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        var after = await Store(gateway).GetAsync(subscriber.Id, None);
        Assert.Equal(SubscriberStatus.Unsubscribed, after!.Status);
        Assert.Equal("unsubscribed (one-click)", after.Suppression);

        // A second one-click (providers retry) is still a 200 and changes nothing more.
        Assert.Equal(HttpStatusCode.OK, (await provider.PostAsync(link, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]))).StatusCode);
    }

    [Fact]
    public async Task Unsubscribe_MultipartOneClickWorks_ButAFormPostWithoutItsCsrfFieldChangesNothing()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        var subscriber = await SubscribeAndConfirmAsync(gateway, server, "multi@exemple.fr");
        var link = new Uri(gateway.Services.GetRequiredService<SubscriberLinks>().UnsubscribeUrl(subscriber.Id)).PathAndQuery;
        using var client = gateway.NewClient(null);

        var forged = await client.PostAsync(link, new FormUrlEncodedContent([new("confirm", "yes")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(SubscriberStatus.Active, (await Store(gateway).GetAsync(subscriber.Id, None))!.Status);

        var multipart = new MultipartFormDataContent { { new StringContent("One-Click"), "List-Unsubscribe" } };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(link, multipart)).StatusCode);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await Store(gateway).GetAsync(subscriber.Id, None))!.Status);
    }

    [Fact]
    public async Task Unsubscribe_ThroughThePageButton_AndTheAddressGetsNoMoreBulkMail()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        var subscriber = await SubscribeAndConfirmAsync(gateway, server, "bouton@exemple.fr");
        using var browser = new Browser(gateway);
        await browser.GetAsync(new Uri(gateway.Services.GetRequiredService<SubscriberLinks>().UnsubscribeUrl(subscriber.Id)).PathAndQuery);

        var done = await browser.SubmitAsync();

        Assert.Equal("Désabonnement enregistré", done.Heading);
        var outbox = gateway.Services.GetRequiredService<OutboxStore>();
        Assert.True(await gateway.Services.GetRequiredService<SuppressionList>().IsSuppressedAsync("bouton@exemple.fr", None));
        await outbox.EnqueueAsync(new MessageBody("Lettre", "texte", "<p>html</p>"),
            [new OutboxRequest { Campaign = "digest-test", Kind = MailKind.Bulk, RecipientAddress = "bouton@exemple.fr", UnsubscribeUrl = "https://lettre.en-contact.com/u" }], None);
        Assert.Empty(await outbox.ClaimAsync("test", 10, None));
        // The gateway's own sender may be the one that claims it (on PostgreSQL this claim skips the row
        // the sender holds): either way it ends suppressed, once that claim commits.
        await gateway.WaitForCampaignAsync("digest-test", p => p.Suppressed == 1);
    }

    [Fact]
    public async Task Suppression_SurvivesReimport_AndIsLiftedOnlyWhenThePersonConfirmsAgain()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        var subscriber = await SubscribeAndConfirmAsync(gateway, server, "retour@exemple.fr");
        await Store(gateway).UnsubscribeAsync(subscriber.Id, "unsubscribed (one-click)", None);

        var import = await gateway.Client.PostAsync("/api/subscribers/import",
            new StringContent("email,consent_date,consent_source\nretour@exemple.fr,2025-01-10,salon CRM 2025\n", Encoding.UTF8, "text/csv"));
        var report = await import.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        Assert.Contains("\"rejected\":1", report);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await Store(gateway).GetAsync(subscriber.Id, None))!.Status);

        var back = await SubscribeAndConfirmAsync(gateway, server, "retour@exemple.fr");
        Assert.Equal((subscriber.Id, SubscriberStatus.Active, null), (back.Id, back.Status, back.Suppression));
        Assert.False(await gateway.Services.GetRequiredService<SuppressionList>().IsSuppressedAsync("retour@exemple.fr", None));
    }

    [Fact]
    public async Task Preferences_ChooseSectionsAndPause_ThenResume()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        var subscriber = await SubscribeAndConfirmAsync(gateway, server, "prefs@exemple.fr");
        Assert.Null(subscriber.Sections);
        using var browser = new Browser(gateway);
        var page = await browser.GetAsync(new Uri(gateway.Services.GetRequiredService<SubscriberLinks>().PreferencesUrl(subscriber.Id)).PathAndQuery);
        Assert.Equal(5, page.Document.QuerySelectorAll("input[name=sections][checked]").Length);

        var saved = await browser.SubmitWithChoicesAsync("sections", ["études", "entretiens"], ("paused", "true"));
        Assert.Contains("Vos préférences sont enregistrées", saved.MainText);
        var paused = await Store(gateway).GetAsync(subscriber.Id, None);
        Assert.Equal(SubscriberStatus.Paused, paused!.Status);
        Assert.Equal(["entretiens", "études"], paused.Sections!.Order());

        var none = await browser.SubmitWithChoicesAsync("sections", []);
        Assert.Equal(HttpStatusCode.BadRequest, none.Status);
        Assert.Contains("au moins une rubrique", none.MainText);

        await browser.GetAsync(new Uri(gateway.Services.GetRequiredService<SubscriberLinks>().PreferencesUrl(subscriber.Id)).PathAndQuery);
        await browser.SubmitWithChoicesAsync("sections", ["analyses", "études", "entretiens", "indiscrétions", "actualités"], ("paused", null));
        var resumed = await Store(gateway).GetAsync(subscriber.Id, None);
        Assert.Equal((SubscriberStatus.Active, (IReadOnlyList<string>?)null), (resumed!.Status, resumed.Sections));
    }

    [Fact]
    public async Task PendingRequest_NeverConfirmed_IsDeletedAfterTheRetention_ActiveOnesStay()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var browser = new Browser(gateway);
        await SubscribeAndConfirmAsync(gateway, server, "reste@exemple.fr");
        await SubscribeThroughFormAsync(browser, "oublie@exemple.fr");
        gateway.Clock!.Advance(TimeSpan.FromDays(20));
        await SubscribeThroughFormAsync(browser, "relance@exemple.fr");
        gateway.Clock.Advance(TimeSpan.FromDays(11));

        // The hourly worker may already have run on the advanced clock; purging again is harmless.
        await Store(gateway).PurgeStalePendingAsync(gateway.Clock.GetUtcNow() - TimeSpan.FromDays(30), None);

        Assert.Null(await Store(gateway).FindAsync("oublie@exemple.fr", None));
        Assert.NotNull(await Store(gateway).FindAsync("relance@exemple.fr", None));
        Assert.NotNull(await Store(gateway).FindAsync("reste@exemple.fr", None));
    }

    [Fact]
    public async Task Forms_WithoutTheirCsrfField_AreRefusedAndNothingIsStored()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var browser = new Browser(gateway);
        await browser.GetAsync("/subscribe");

        var refused = await browser.SubmitAsync(0, ("email", "csrf@exemple.fr"), ("csrf", null));

        Assert.Equal((HttpStatusCode.BadRequest, "Le formulaire a expiré"), (refused.Status, refused.Heading));
        Assert.Null(await Store(gateway).FindAsync("csrf@exemple.fr", None));
    }

    [Fact]
    public async Task Honeypot_FilledByARobot_SameAnswerButNothingStoredOrSent()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var browser = new Browser(gateway);
        await browser.GetAsync("/subscribe");

        var answer = await browser.SubmitAsync(0, ("email", "robot@exemple.fr"), (SubscriptionPages.HoneypotField, "http://spam.example"));

        Assert.Equal("Vérifiez votre messagerie", answer.Heading);
        Assert.Null(await Store(gateway).FindAsync("robot@exemple.fr", None));
        Assert.Empty(await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(null, None));
    }

    [Theory]
    [InlineData("marie@exemple.fr\r\nBcc: tous@exemple.fr", "email", "Votre adresse doit tenir sur une seule ligne")]
    [InlineData("pas-une-adresse", "email", "Il manque le signe @ dans «\u00A0pas-une-adresse\u00A0»")]
    [InlineData("a@exemple.fr", "name", "Votre nom doit tenir sur une seule ligne")]
    public async Task SubscribeForm_BadInput_ShownAgainWithTheProblemAndNothingStored(string email, string field, string problem)
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var browser = new Browser(gateway);
        await browser.GetAsync("/subscribe");

        var page = await browser.SubmitAsync(0, ("email", email), ("name", field == "name" ? "Jean\nBcc: x@y.fr" : null));

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains(problem, page.Document.QuerySelector("[role=alert]")!.TextContent);
        Assert.Equal(0, (await Store(gateway).ListAsync(new SubscriberQuery(), None)).Total);
    }

    [Fact]
    public async Task SubscribeJson_MalformedUnknownFieldOrBadAddress_ClearProblemAndNothingStored()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var client = gateway.NewClient(null);

        async Task<(HttpStatusCode, string)> PostAsync(string body)
        {
            var response = await client.PostAsync("/subscribe", new StringContent(body, Encoding.UTF8, "application/json"));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var malformed = await PostAsync("""{"email": "a@exemple.fr" """);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Item1);
        Assert.Contains("Malformed JSON", malformed.Item2);
        var unknown = await PostAsync("""{"email": "a@exemple.fr", "emial": "b@exemple.fr"}""");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Item1);
        Assert.Contains("emial", unknown.Item2);
        var injected = await PostAsync("""{"email": "a@exemple.fr\r\nBcc: b@exemple.fr"}""");
        Assert.Equal(HttpStatusCode.BadRequest, injected.Item1);
        Assert.Contains("email: contains a control character (CR)", injected.Item2);
        var section = await PostAsync("""{"email": "a@exemple.fr", "sections": ["sport"]}""");
        Assert.Contains("'sport' is not one of", section.Item2);
        var xml = await client.PostAsync("/subscribe", new StringContent("<email/>", Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, xml.StatusCode);

        Assert.Equal(0, (await Store(gateway).ListAsync(new SubscriberQuery(), None)).Total);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("""{"email": "a@exemple.fr", "name": "Zoé", "sections": ["Études"]}""")).Item1);
        Assert.Equal(["études"], (await Store(gateway).FindAsync("a@exemple.fr", None))!.Sections!);
    }

    [Fact]
    public async Task PublicBody_OverTheLimit_IsRefusedBeforeItIsRead()
    {
        await using var running = await StartAsync(new() { ["Subscribers:MaxPublicBodyBytes"] = "2048" });
        var (gateway, server) = running;
        using var client = gateway.NewClient(null);

        var response = await client.PostAsync("/subscribe", new StringContent($$"""{"email":"a@exemple.fr","name":"{{new string('x', 4000)}}"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task RateLimits_PerClientAnswer429_PerAddressSendNoMoreMailButAnswerTheSame()
    {
        await using var running = await StartAsync(new()
        {
            ["Subscribers:RequestsPerMinutePerClient"] = "4",
            ["Subscribers:MaxConfirmationsPerDay"] = "2",
        });
        var (gateway, server) = running;
        using var client = gateway.NewClient(null);
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            answers.Add((await client.PostAsync("/subscribe", new StringContent("""{"email":"cible@exemple.fr"}""", Encoding.UTF8, "application/json"))).StatusCode);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], answers);
        var queued = (await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(null, None)).Sum(p => p.Total);
        Assert.Equal(2, queued);
    }

    [Fact]
    public async Task Logs_OfAWholeSubscriptionLife_HoldNoAddressNameOrToken()
    {
        var logs = new LogCapture();
        await using var running = await StartAsync(new()
        {
            // Everything of ours, ASP.NET Core at Information. (Its Debug routing logs print request paths, tokens included: README.)
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
        }, logs);
        var (gateway, server) = running;
        using var browser = new Browser(gateway);
        await SubscribeThroughFormAsync(browser, "marie.curie@exemple.fr", ("name", "Marie Curie"));
        await server.WaitForMessagesAsync(1);
        var confirm = Browser.LinkPath(server.Messages[0].Message, ConfirmPrefix);
        await browser.GetAsync(confirm);
        await browser.SubmitAsync();
        var subscriber = await Store(gateway).FindAsync("marie.curie@exemple.fr", None);
        var preferences = new Uri(gateway.Services.GetRequiredService<SubscriberLinks>().PreferencesUrl(subscriber!.Id)).PathAndQuery;
        await browser.GetAsync(preferences);
        await browser.SubmitWithChoicesAsync("sections", ["analyses"]);
        var unsubscribe = new Uri(gateway.Services.GetRequiredService<SubscriberLinks>().UnsubscribeUrl(subscriber.Id)).PathAndQuery;
        await gateway.NewClient(null).PostAsync(unsubscribe, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));

        var lines = logs.Lines;
        Assert.Contains(lines, l => l.Contains("Subscription request for addr:"));
        Assert.Contains(lines, l => l.Contains($"Subscriber {subscriber.Id} unsubscribed (one-click)"));
        foreach (var secret in new[] { "marie.curie", "Curie", confirm.Split('/')[^1], preferences.Split('/')[^1], unsubscribe.Split('/')[^1] })
            Assert.Null(lines.FirstOrDefault(l => l.Contains(secret, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task RateLimit_PerAddress_OverTheHourlyLimit_SameAnswerButNotProcessed()
    {
        await using var running = await StartAsync(new()
        {
            ["Subscribers:RequestsPerMinutePerClient"] = "100",
            ["Subscribers:MaxConfirmationsPerDay"] = "100",
            ["Subscribers:RequestsPerHourPerAddress"] = "3",
        });
        var (gateway, _) = running;
        using var client = gateway.NewClient(null);
        var answers = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 5; i++)
        {
            var response = await client.PostAsync("/subscribe", new StringContent("""{"email":"cible@exemple.fr"}""", Encoding.UTF8, "application/json"));
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
        var other = await client.PostAsync("/subscribe", new StringContent("""{"email":"autre@exemple.fr"}""", Encoding.UTF8, "application/json"));

        Assert.Single(answers.Distinct());
        Assert.Equal(HttpStatusCode.Accepted, answers[0].Item1);
        var queued = await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(null, None);
        Assert.Equal(3, queued.Sum(p => p.Total) - 1); // three for the target, one for the other address
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
    }

    [Fact]
    public async Task ConfirmLink_UsedMoreThanTheHourlyLimit_Is429()
    {
        await using var running = await StartAsync(new() { ["Subscribers:RequestsPerHourPerAddress"] = "1" });
        var (gateway, server) = running;
        using var browser = new Browser(gateway);
        await SubscribeThroughFormAsync(browser, "lien@exemple.fr");
        await server.WaitForMessagesAsync(1);
        var link = Browser.LinkPath(server.Messages[0].Message, ConfirmPrefix);
        await browser.GetAsync(link);
        var csrf = browser.Current!.Document.QuerySelector("input[name=csrf]")!.GetAttribute("value")!;

        var first = await browser.PostFormAsync(link, [new("csrf", csrf)]);
        var second = await browser.PostFormAsync(link, [new("csrf", csrf)]);

        Assert.Equal(("Abonnement confirmé", HttpStatusCode.TooManyRequests), (first.Heading, second.Status));
    }

    [Fact]
    public async Task Pages_AreFrenchUtf8WithFeedAutodiscoveryAndSafeHeaders()
    {
        await using var running = await StartAsync();
        var (gateway, server) = running;
        using var browser = new Browser(gateway);

        var page = await browser.GetAsync("/subscribe");

        Assert.Equal("fr", page.Document.DocumentElement.GetAttribute("lang"));
        Assert.Contains("Adresse électronique", page.Html);
        Assert.DoesNotContain("&#xE9;", page.Html);
        Assert.Equal(["application/atom+xml", "application/rss+xml", "application/feed+json"],
            page.Document.QuerySelectorAll("link[rel=alternate]").Select(l => l.GetAttribute("type")));
        Assert.Equal("no-referrer", page.Response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", page.Response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("no-store", page.Response.Headers.CacheControl!.ToString());
    }
}
