using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>The subscribers admin API through real HTTP on loopback against a real SQLite file.</summary>
[Trait("Speed", "Slow")]
public sealed class SubscribersApiTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Header = "email,name,consent_date,consent_source,sections";

    private static SubscriberStore Store(Gateway gateway) => gateway.Services.GetRequiredService<SubscriberStore>();

    private static OutboxStore Outbox(Gateway gateway) => gateway.Services.GetRequiredService<OutboxStore>();

    private static StringContent Csv(params string[] lines) => new(string.Join("\n", lines) + "\n", Encoding.UTF8, "text/csv");

    private static async Task<SubscribersApi.ImportReport> ImportAsync(Gateway gateway, string query, params string[] lines)
    {
        var response = await gateway.Client.PostAsync("/api/subscribers/import" + query, Csv(lines));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SubscribersApi.ImportReport>())!;
    }

    /// <summary>Imports active subscribers, one row each ("address" or "address|sections"), all consenting on 20 November.</summary>
    private static async Task ImportActiveAsync(Gateway gateway, params string[] rows)
    {
        var lines = rows.Select(row =>
        {
            var parts = row.Split('|');
            return $"{parts[0]},,2026-11-20,,{(parts.Length > 1 ? parts[1] : "")}";
        });
        var report = await ImportAsync(gateway, "?source=test", [Header, .. lines]);
        Assert.Equal(rows.Length, report.Created);
    }

    private static async Task<Subscriber> SubscriberAsync(Gateway gateway, string address) =>
        await Store(gateway).FindAsync(address, None) ?? throw new Xunit.Sdk.XunitException($"no subscriber '{address}'");

    private static async Task<string> PendingAsync(Gateway gateway, string address, string? name = null)
    {
        var plan = await Store(gateway).PlanConfirmationAsync(new SubscriptionRequest(address, name, null, "formulaire"), TimeSpan.Zero, 5, None);
        return plan.SubscriberId;
    }

    private static async Task<SubscribersApi.SubscriberListResponse> ListAsync(Gateway gateway, string query = "")
    {
        var response = await gateway.Client.GetAsync("/api/subscribers" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SubscribersApi.SubscriberListResponse>())!;
    }

    private static async Task<string[]> ListedAddressesAsync(Gateway gateway, string query) =>
        (await ListAsync(gateway, query)).Items.Select(s => s.Email).Order(StringComparer.Ordinal).ToArray();

    private static async Task<SubscriberCounts> CountsAsync(Gateway gateway) =>
        (await gateway.Client.GetFromJsonAsync<SubscriberCounts>("/api/subscribers/counts"))!;

    private static async Task<string> ExportAsync(Gateway gateway)
    {
        var response = await gateway.Client.GetAsync("/api/subscribers/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static OutboxRequest Mail(string address, string campaign = "digest-2026-48") =>
        new() { Campaign = campaign, Kind = MailKind.Bulk, RecipientAddress = address, UnsubscribeUrl = "https://lettre.en-contact.com/unsubscribe/x" };

    private static readonly MessageBody Body = new("La lettre", "Texte", "<p>HTML</p>");

    // ---- authentication ----

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-wrong-token-wrong")]
    public async Task Routes_WithoutValidToken_Are401AndChangeNothing(string? token)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "kept@exemple.fr");
        var kept = await SubscriberAsync(gateway, "kept@exemple.fr");
        using var client = gateway.NewClient(token);

        HttpResponseMessage[] responses =
        [
            await client.GetAsync("/api/subscribers"),
            await client.GetAsync("/api/subscribers?status=active&q=kept"),
            await client.GetAsync("/api/subscribers/counts"),
            await client.GetAsync("/api/subscribers/export"),
            await client.GetAsync($"/api/subscribers/{kept.Id}"),
            await client.PostAsync("/api/subscribers/import", Csv(Header, "intrus@exemple.fr,,2026-11-20,salon,")),
            await client.PostAsync("/api/subscribers/import?dryRun=true", Csv(Header, "intrus@exemple.fr,,2026-11-20,salon,")),
            await client.PostAsJsonAsync("/api/subscribers/erase", new { email = "kept@exemple.fr" }),
            await client.DeleteAsync($"/api/subscribers/{kept.Id}"),
        ];

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.All(responses, r => Assert.Equal("Bearer", r.Headers.WwwAuthenticate.Single().Scheme));
        foreach (var response in responses)
            Assert.DoesNotContain("kept@exemple.fr", await response.Content.ReadAsStringAsync());
        Assert.NotNull(await Store(gateway).GetAsync(kept.Id, None));
        Assert.Null(await Store(gateway).FindAsync("intrus@exemple.fr", None));
        Assert.Null(await Store(gateway).SuppressionOfAsync("kept@exemple.fr", None));
    }

    // ---- import ----

    [Fact]
    public async Task Import_MixedFile_ReportsCountsAndProblemsWithLines()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportAsync(gateway, "", Header, "active@exemple.fr,Nom D'origine,2026-10-01,salon,");
        var pendingId = await PendingAsync(gateway, "pending@exemple.fr", "Paul");
        await ImportActiveAsync(gateway, "parti@exemple.fr");
        await Store(gateway).UnsubscribeAsync((await SubscriberAsync(gateway, "parti@exemple.fr")).Id, "unsubscribed (page)", None);

        var report = await ImportAsync(gateway, "",
            Header,
            "new@exemple.fr,Nouvelle Lectrice,2026-11-20,salon,analyses",
            "Pending@Exemple.fr,,2026-11-19 10:00,salon Relation Client,études",
            "active@exemple.fr,Autre Nom,2026-11-20,salon,entretiens",
            "parti@exemple.fr,,2026-11-20,salon,",
            "pas-une-adresse,,2026-11-20,salon,",
            "NEW@exemple.fr,,2026-11-20,salon,");

        Assert.False(report.DryRun);
        Assert.Equal(6, report.Rows);
        Assert.Equal(1, report.Created);
        Assert.Equal(1, report.Activated);
        Assert.Equal(1, report.Unchanged);
        Assert.Equal(3, report.Rejected);
        Assert.Equal([4, 5, 6, 7], report.Problems.Select(p => p.Line));
        Assert.Equal(["unchanged", "rejected", "rejected", "rejected"], report.Problems.Select(p => p.Result));
        Assert.Equal("active@exemple.fr", report.Problems[0].Email);
        Assert.Contains("already active", report.Problems[0].Reason);
        Assert.Equal("parti@exemple.fr", report.Problems[1].Email);
        Assert.Contains("suppressed", report.Problems[1].Reason);
        Assert.Equal("pas-une-adresse", report.Problems[2].Email);
        Assert.StartsWith("email:", report.Problems[2].Reason);
        Assert.Equal("duplicate of line 2", report.Problems[3].Reason);

        var created = await SubscriberAsync(gateway, "new@exemple.fr");
        Assert.Equal(SubscriberStatus.Active, created.Status);
        Assert.Equal("Nouvelle Lectrice", created.Name);
        Assert.Equal(["analyses"], created.Sections!);
        Assert.Equal(new DateTimeOffset(2026, 11, 19, 23, 0, 0, TimeSpan.Zero), created.ConsentAt);

        var activated = await SubscriberAsync(gateway, "pending@exemple.fr");
        Assert.Equal(pendingId, activated.Id);
        Assert.Equal(SubscriberStatus.Active, activated.Status);
        Assert.Equal("Paul", activated.Name); // no name in the file: the one given on the form is kept
        Assert.Equal(new DateTimeOffset(2026, 11, 19, 9, 0, 0, TimeSpan.Zero), activated.ConsentAt);
        Assert.Equal(activated.ConsentAt, activated.ConfirmedAt);
        Assert.Equal("salon Relation Client", activated.ConsentSource);
        Assert.Equal(["études"], activated.Sections!);

        var unchanged = await SubscriberAsync(gateway, "active@exemple.fr");
        Assert.Equal("Nom D'origine", unchanged.Name);
        Assert.Null(unchanged.Sections);
        Assert.Equal(new DateTimeOffset(2026, 9, 30, 22, 0, 0, TimeSpan.Zero), unchanged.ConsentAt);

        Assert.Equal(SubscriberStatus.Unsubscribed, (await SubscriberAsync(gateway, "parti@exemple.fr")).Status);
        Assert.Equal(4, (await ListAsync(gateway)).Total);
    }

    [Fact]
    public async Task Import_DryRun_ReportsTheSameAndWritesNothing()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        string[] file =
        [
            Header,
            "a@exemple.fr,Anne,2026-11-20,salon,analyses",
            "b@exemple.fr,,2026-11-20,salon,",
            "bad,,2026-11-20,salon,",
            "c@exemple.fr,,2030-01-01,salon,",
        ];

        var dry = await ImportAsync(gateway, "?dryRun=true", file);
        var listAfterDryRun = await ListAsync(gateway);
        var counts = await CountsAsync(gateway);
        var storedAfterDryRun = await Store(gateway).FindAsync("a@exemple.fr", None);
        var exportAfterDryRun = await ExportAsync(gateway);
        var real = await ImportAsync(gateway, "?dryRun=false", file);

        Assert.True(dry.DryRun);
        Assert.Equal(2, dry.Created);
        Assert.Equal(2, dry.Rejected);
        Assert.Equal(0, listAfterDryRun.Total);
        Assert.Empty(listAfterDryRun.Items);
        Assert.All(counts.ByStatus.Values, v => Assert.Equal(0, v));
        Assert.Null(storedAfterDryRun);
        Assert.DoesNotContain("a@exemple.fr", exportAfterDryRun);

        Assert.False(real.DryRun);
        Assert.Equal((dry.Rows, dry.Created, dry.Activated, dry.Unchanged, dry.Rejected), (real.Rows, real.Created, real.Activated, real.Unchanged, real.Rejected));
        Assert.Equal(dry.Problems, real.Problems);
        Assert.Equal(2, (await ListAsync(gateway)).Total);
    }

    [Fact]
    public async Task Import_DryRunOnPendingSubscriber_LeavesItPending()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await PendingAsync(gateway, "pending@exemple.fr");

        var report = await ImportAsync(gateway, "?dryRun=true", Header, "pending@exemple.fr,,2026-11-20,salon,");

        Assert.Equal(1, report.Activated);
        Assert.Equal(SubscriberStatus.Pending, (await SubscriberAsync(gateway, "pending@exemple.fr")).Status);
    }

    [Fact]
    public async Task Import_SourceParameter_FillsMissingConsentSource()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var report = await ImportAsync(gateway, "?source=" + Uri.EscapeDataString("salon Stratégie Clients 2026"),
            Header, "a@exemple.fr,,2026-11-20,,", "b@exemple.fr,,2026-11-20,formulaire papier,");

        Assert.Equal(2, report.Created);
        Assert.Equal("salon Stratégie Clients 2026", (await SubscriberAsync(gateway, "a@exemple.fr")).ConsentSource);
        Assert.Equal("formulaire papier", (await SubscriberAsync(gateway, "b@exemple.fr")).ConsentSource);
    }

    [Fact]
    public async Task Import_NoSourceAnywhere_RejectsTheRowNamingConsentSource()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var report = await ImportAsync(gateway, "", "email,consent_date", "a@exemple.fr,2026-11-20");

        Assert.Equal(1, report.Rejected);
        Assert.Equal(2, report.Problems.Single().Line);
        Assert.StartsWith("consent_source:", report.Problems.Single().Reason);
        Assert.Equal(0, (await ListAsync(gateway)).Total);
    }

    [Fact]
    public async Task Import_TextPlain_IsAcceptedToo()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await gateway.Client.PostAsync("/api/subscribers/import",
            new StringContent(Header + "\na@exemple.fr,,2026-11-20,salon,\n", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<SubscribersApi.ImportReport>())!.Created);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/vnd.ms-excel")]
    [InlineData("multipart/form-data")]
    [InlineData(null)]
    public async Task Import_WrongContentType_Is415AndStoresNothing(string? mediaType)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Header + "\na@exemple.fr,,2026-11-20,salon,\n"));
        if (mediaType is not null)
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);

        var response = await gateway.Client.PostAsync("/api/subscribers/import", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Null(await Store(gateway).FindAsync("a@exemple.fr", None));
    }

    [Fact]
    public async Task Import_NotUtf8_Is400AndStoresNothing()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        var latin1 = Encoding.Latin1.GetBytes(Header + "\nnoel@exemple.fr,Noël Lefèvre,2026-11-20,salon,études\n");
        var content = new ByteArrayContent(latin1);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");

        var response = await gateway.Client.PostAsync("/api/subscribers/import", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Not UTF-8", (string?)problem["title"]);
        Assert.Null(await Store(gateway).FindAsync("noel@exemple.fr", None));
    }

    [Fact]
    public async Task Import_SpreadsheetUtf8WithBomAndCrLf_IsReadWithRightLines()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        var bytes = Encoding.UTF8.GetPreamble()
            .Concat(Encoding.UTF8.GetBytes("email,name,consent_date,consent_source,sections\r\nnoel@exemple.fr,Noël Lefèvre,2026-11-20,salon,études\r\nbad,,2026-11-20,salon,\r\n"))
            .ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };

        var response = await gateway.Client.PostAsync("/api/subscribers/import", content);
        var report = (await response.Content.ReadFromJsonAsync<SubscribersApi.ImportReport>())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, report.Created);
        Assert.Equal(3, report.Problems.Single().Line);
        var noel = await SubscriberAsync(gateway, "noel@exemple.fr");
        Assert.Equal("Noël Lefèvre", noel.Name);
        Assert.Equal(["études"], noel.Sections!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    public async Task Import_EmptyBody_Is400Problem(string body)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await gateway.Client.PostAsync("/api/subscribers/import", new StringContent(body, Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Import_NoEmailColumn_Is400ProblemNamingTheColumn()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await gateway.Client.PostAsync("/api/subscribers/import", Csv("courriel,name,consent_date", "a@exemple.fr,A,2026-11-20"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("'email'", (string?)problem["detail"]);
        Assert.Equal(0, (await ListAsync(gateway)).Total);
    }

    [Fact]
    public async Task Import_SuppressionSurvivesReimport_UnsubscribedStaysUnsubscribed()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "lecteur@exemple.fr");
        var id = (await SubscriberAsync(gateway, "lecteur@exemple.fr")).Id;
        Assert.True(await Store(gateway).UnsubscribeAsync(id, "unsubscribed (page)", None));

        var report = await ImportAsync(gateway, "", Header, "Lecteur@Exemple.fr,,2026-11-26,salon 2026,");

        Assert.Equal(0, report.Created + report.Activated + report.Unchanged);
        var problem = Assert.Single(report.Problems);
        Assert.Equal("rejected", problem.Result);
        Assert.Contains("suppressed", problem.Reason);
        Assert.Contains("unsubscribed (page)", problem.Reason);
        var after = await SubscriberAsync(gateway, "lecteur@exemple.fr");
        Assert.Equal(SubscriberStatus.Unsubscribed, after.Status);
        Assert.Equal(id, after.Id);
        Assert.Equal("test", after.ConsentSource);
    }

    [Fact]
    public async Task Import_HardBouncedActiveAddress_IsRejectedAndKeptAsIs()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "rebond@exemple.fr");
        await gateway.Services.GetRequiredService<SuppressionList>().SuppressAsync("rebond@exemple.fr", "hard bounce: 550", None);

        var report = await ImportAsync(gateway, "", Header, "rebond@exemple.fr,,2026-11-26,salon,analyses");

        Assert.Equal(1, report.Rejected);
        Assert.Contains("hard bounce: 550", report.Problems.Single().Reason);
        Assert.Null((await SubscriberAsync(gateway, "rebond@exemple.fr")).Sections);
    }

    // ---- list ----

    [Fact]
    public async Task List_Paging_ReturnsNewestFirstWithTotal()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        for (var i = 1; i <= 5; i++)
        {
            await ImportActiveAsync(gateway, $"lecteur{i}@exemple.fr");
            gateway.Clock!.Advance(TimeSpan.FromMinutes(1));
        }

        var first = await ListAsync(gateway, "?pageSize=2");
        var second = await ListAsync(gateway, "?page=2&pageSize=2");
        var third = await ListAsync(gateway, "?page=3&pageSize=2");
        var beyond = await ListAsync(gateway, "?page=4&pageSize=2");
        var all = await ListAsync(gateway);

        Assert.Equal((1, 2, 5L), (first.Page, first.PageSize, first.Total));
        Assert.Equal((2, 2, 5L), (second.Page, second.PageSize, second.Total));
        Assert.Equal((3, 2, 5L), (third.Page, third.PageSize, third.Total));
        Assert.Equal(["lecteur5@exemple.fr", "lecteur4@exemple.fr"], first.Items.Select(s => s.Email));
        Assert.Equal(["lecteur3@exemple.fr", "lecteur2@exemple.fr"], second.Items.Select(s => s.Email));
        Assert.Equal(["lecteur1@exemple.fr"], third.Items.Select(s => s.Email));
        Assert.Empty(beyond.Items);
        Assert.Equal(5, beyond.Total);
        Assert.Equal((1, 50), (all.Page, all.PageSize));
        Assert.Equal(5, all.Items.Count);
    }

    [Fact]
    public async Task List_FilterByStatus_ReturnsOnlyThatStatus()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "actif@exemple.fr", "parti@exemple.fr");
        await PendingAsync(gateway, "attente@exemple.fr");
        await Store(gateway).UnsubscribeAsync((await SubscriberAsync(gateway, "parti@exemple.fr")).Id, "unsubscribed (page)", None);
        var actif = await SubscriberAsync(gateway, "actif@exemple.fr");
        await ImportActiveAsync(gateway, "pause@exemple.fr");
        await Store(gateway).UpdatePreferencesAsync((await SubscriberAsync(gateway, "pause@exemple.fr")).Id, null, paused: true, None);

        Assert.Equal(["actif@exemple.fr"], await ListedAddressesAsync(gateway, "?status=active"));
        Assert.Equal(["attente@exemple.fr"], await ListedAddressesAsync(gateway, "?status=pending"));
        Assert.Equal(["parti@exemple.fr"], await ListedAddressesAsync(gateway, "?status=unsubscribed"));
        Assert.Equal(["pause@exemple.fr"], await ListedAddressesAsync(gateway, "?status=paused"));
        Assert.Equal(["actif@exemple.fr"], await ListedAddressesAsync(gateway, "?status=ACTIVE"));
        var unsubscribed = await ListAsync(gateway, "?status=unsubscribed");
        Assert.Equal(1, unsubscribed.Total);
        Assert.Equal("unsubscribed", unsubscribed.Items.Single().Status);
        Assert.Equal("unsubscribed (page)", unsubscribed.Items.Single().Suppression);
        Assert.Equal(actif.Id, (await ListAsync(gateway, "?status=active")).Items.Single().Id);
    }

    [Fact]
    public async Task List_FilterBySection_IncludesSubscribersOfAllSections()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "analyses@exemple.fr|analyses", "etudes@exemple.fr|études", "deux@exemple.fr|analyses;études", "tout@exemple.fr");

        Assert.Equal(["analyses@exemple.fr", "deux@exemple.fr", "tout@exemple.fr"], await ListedAddressesAsync(gateway, "?section=analyses"));
        Assert.Equal(["deux@exemple.fr", "etudes@exemple.fr", "tout@exemple.fr"], await ListedAddressesAsync(gateway, "?section=" + Uri.EscapeDataString("études")));
        Assert.Equal(["tout@exemple.fr"], await ListedAddressesAsync(gateway, "?section=entretiens"));
        Assert.Equal(3, (await ListAsync(gateway, "?section=analyses&pageSize=1")).Total);
    }

    [Fact]
    public async Task List_FilterBySectionAndStatus_CombinesBoth()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "analyses@exemple.fr|analyses", "etudes@exemple.fr|études");
        await PendingAsync(gateway, "attente@exemple.fr");

        Assert.Equal(["attente@exemple.fr"], await ListedAddressesAsync(gateway, "?section=analyses&status=pending"));
        Assert.Equal(["analyses@exemple.fr"], await ListedAddressesAsync(gateway, "?section=analyses&status=active"));
    }

    [Fact]
    public async Task List_SearchQ_MatchesPartOfAddressOrName()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportAsync(gateway, "?source=test",
            Header,
            "claire@exemple.fr,Claire Durand,2026-11-20,,",
            "durieux@exemple.fr,Marc,2026-11-20,,",
            "autre@exemple.fr,Sophie Martin,2026-11-20,,",
            "contact@durance.fr,,2026-11-20,,");

        Assert.Equal(["claire@exemple.fr", "contact@durance.fr", "durieux@exemple.fr"], await ListedAddressesAsync(gateway, "?q=dur"));
        Assert.Equal(["durieux@exemple.fr"], await ListedAddressesAsync(gateway, "?q=durieux"));
        Assert.Equal(["claire@exemple.fr"], await ListedAddressesAsync(gateway, "?q=DURAND"));
        Assert.Equal(["contact@durance.fr"], await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("@durance")));
        Assert.Equal(["autre@exemple.fr"], await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("e Mar")));
        Assert.Empty(await ListedAddressesAsync(gateway, "?q=personne"));
        Assert.Equal(4, (await ListAsync(gateway, "?q=")).Total);
    }

    [Fact]
    public async Task List_SearchQ_PercentAndUnderscoreAreMatchedLiterally()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportAsync(gateway, "?source=test",
            Header,
            "jean_dupont@exemple.fr,,2026-11-20,,",
            "jeanxdupont@exemple.fr,,2026-11-20,,",
            "cx@exemple.fr,100% CX,2026-11-20,,",
            "c100x@exemple.fr,100 CX,2026-11-20,,",
            "slash@exemple.fr,Dupont\\Jean,2026-11-20,,",
            "control@exemple.fr,DupontJean,2026-11-20,,");

        Assert.Equal(["jean_dupont@exemple.fr"], await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("n_d")));
        Assert.Equal(["cx@exemple.fr"], await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("%")));
        Assert.Equal(["cx@exemple.fr"], await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("0% c")));
        Assert.Equal(["slash@exemple.fr"], await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("t\\J")));
        Assert.Empty(await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("_x_")));
    }

    [Fact]
    public async Task List_SearchQ_AccentedLowerCaseLettersInName_AreFound()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportAsync(gateway, "?source=test", Header, "elodie@exemple.fr,Élodie Lefèvre,2026-11-20,,", "autre@exemple.fr,Autre Lefevre,2026-11-20,,");

        Assert.Equal(["elodie@exemple.fr"], await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("Lefèvre")));
        Assert.Equal(["elodie@exemple.fr"], await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("LEFÈVRE".ToLowerInvariant())));
        Assert.Equal(["autre@exemple.fr"], await ListedAddressesAsync(gateway, "?q=Lefevre"));
    }

    [Fact]
    public async Task List_SearchQ_NameWithAccentedCapitalTypedAsStored_IsFound()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportAsync(gateway, "?source=test", Header, "elodie@exemple.fr,Élodie Lefèvre,2026-11-20,,", "autre@exemple.fr,Autre,2026-11-20,,");

        Assert.Equal(["elodie@exemple.fr"], await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("Élodie")));
        Assert.Equal(["elodie@exemple.fr"], await ListedAddressesAsync(gateway, "?q=" + Uri.EscapeDataString("Élodie Lefèvre")));
    }

    [Theory]
    [InlineData("?status=archived", "status")]
    [InlineData("?status=", "status")]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=1001", "pageSize")]
    [InlineData("?pageSize=abc", "pageSize")]
    [InlineData("?pageSize=-5", "pageSize")]
    [InlineData("?page=0", "page")]
    [InlineData("?page=un", "page")]
    public async Task List_InvalidParameter_Is400ValidationProblemNamingIt(string query, string parameter)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await gateway.Client.GetAsync("/api/subscribers" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal([parameter], errors.Select(e => e.Key));
        Assert.NotEmpty(errors[parameter]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task List_MaxPageSize_IsAccepted()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "a@exemple.fr");

        var page = await ListAsync(gateway, "?pageSize=1000");

        Assert.Equal(1000, page.PageSize);
        Assert.Single(page.Items);
    }

    // ---- get ----

    [Fact]
    public async Task Get_ExistingId_Is200WithTheSubscriber()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportAsync(gateway, "", Header, "claire@exemple.fr,Claire Durand,2026-11-20 09:30,salon CX,analyses;études");
        var id = (await SubscriberAsync(gateway, "claire@exemple.fr")).Id;

        var response = await gateway.Client.GetAsync($"/api/subscribers/{id}");
        var view = await response.Content.ReadFromJsonAsync<SubscribersApi.SubscriberView>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, view!.Id);
        Assert.Equal("claire@exemple.fr", view.Email);
        Assert.Equal("Claire Durand", view.Name);
        Assert.Equal("active", view.Status);
        Assert.Equal(["analyses", "études"], view.Sections!);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero), view.ConsentAt);
        Assert.Equal("salon CX", view.ConsentSource);
        Assert.Equal(Gateway.DefaultNow, view.CreatedAt);
        Assert.Null(view.UnsubscribedAt);
        Assert.Null(view.Suppression);
    }

    [Theory]
    [InlineData("00000000000000000000000000000000")]
    [InlineData("inconnu")]
    public async Task Get_UnknownId_Is404Problem(string id)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "a@exemple.fr");

        var response = await gateway.Client.GetAsync($"/api/subscribers/{id}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(id, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
    }

    // ---- counts ----

    [Fact]
    public async Task Counts_MixedSubscribers_CountsStatusesMailableSectionsAndSuppressed()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "tout@exemple.fr", "analyses@exemple.fr|analyses", "deux@exemple.fr|études;analyses",
            "rebond@exemple.fr", "parti@exemple.fr|analyses", "pause@exemple.fr");
        await PendingAsync(gateway, "attente@exemple.fr");
        await Store(gateway).UnsubscribeAsync((await SubscriberAsync(gateway, "parti@exemple.fr")).Id, "unsubscribed (page)", None);
        await Store(gateway).UpdatePreferencesAsync((await SubscriberAsync(gateway, "pause@exemple.fr")).Id, ["entretiens"], paused: true, None);
        await gateway.Services.GetRequiredService<SuppressionList>().SuppressAsync("rebond@exemple.fr", "hard bounce: 550", None);

        var counts = await CountsAsync(gateway);

        Assert.Equal(4, counts.ByStatus["active"]); // tout, analyses, deux, rebond
        Assert.Equal(1, counts.ByStatus["pending"]);
        Assert.Equal(1, counts.ByStatus["paused"]);
        Assert.Equal(1, counts.ByStatus["unsubscribed"]);
        Assert.Equal(3, counts.Mailable);
        Assert.Equal(1, counts.ActiveButSuppressed);
        Assert.Equal(3, counts.BySection["analyses"]); // tout, analyses, deux
        Assert.Equal(2, counts.BySection["études"]); // tout, deux
        Assert.Equal(1, counts.BySection["entretiens"]); // tout (pause is paused)
        Assert.Equal(1, counts.BySection["indiscrétions"]);
        Assert.Equal(1, counts.BySection["actualités"]);
        Assert.Equal(SubscribersOptions.DefaultSections.Order(), counts.BySection.Keys.Order());
    }

    [Fact]
    public async Task Counts_NoSubscribers_AreZeroForEveryStatusAndSection()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var counts = await CountsAsync(gateway);

        Assert.Equal(["active", "paused", "pending", "unsubscribed"], counts.ByStatus.Keys.Order());
        Assert.All(counts.ByStatus.Values, v => Assert.Equal(0, v));
        Assert.Equal(0, counts.Mailable);
        Assert.Equal(0, counts.ActiveButSuppressed);
        Assert.Equal(5, counts.BySection.Count);
        Assert.All(counts.BySection.Values, v => Assert.Equal(0, v));
    }

    [Fact]
    public async Task Counts_ConfiguredSections_AreTheKeysOfBySection()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Subscribers:Sections:0"] = "Relation client",
            ["Subscribers:Sections:1"] = "Études",
        });
        await ImportActiveAsync(gateway, "a@exemple.fr|relation CLIENT", "b@exemple.fr");

        var counts = await CountsAsync(gateway);

        Assert.Equal(["Relation client", "Études"], counts.BySection.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, counts.BySection["Relation client"]);
        Assert.Equal(1, counts.BySection["Études"]);
        Assert.Equal(["Relation client"], (await SubscriberAsync(gateway, "a@exemple.fr")).Sections!);
    }

    // ---- export ----

    [Fact]
    public async Task Export_Subscribers_IsCsvAttachmentWithHeaderAndOneLineEach()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportAsync(gateway, "", Header,
            "claire@exemple.fr,\"Durand, Claire\",2026-11-20,salon,analyses;études",
            "noel@exemple.fr,Noël,2026-11-21,site,");
        await PendingAsync(gateway, "attente@exemple.fr");

        var response = await gateway.Client.GetAsync("/api/subscribers/export");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("subscribers-20261127-090000.csv", response.Content.Headers.ContentDisposition.FileName!.Trim('"'));
        Assert.True(response.Headers.CacheControl!.NoStore);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(4, lines.Length);
        Assert.Equal(string.Join(",", SubscriberCsv.ExportColumns), lines[0]);
        Assert.Single(lines, l => l.StartsWith("claire@exemple.fr,\"Durand, Claire\",", StringComparison.Ordinal) && l.Contains(",analyses;études,active,"));
        Assert.Single(lines, l => l.StartsWith("noel@exemple.fr,Noël,", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("attente@exemple.fr,", StringComparison.Ordinal) && l.Contains(",pending,"));
    }

    [Fact]
    public async Task Export_ThenImportIntoAnotherGateway_RecreatesTheSameSubscribers()
    {
        await using var source = await Gateway.CreateAsync(start: true);
        await ImportAsync(source, "", Header,
            "claire@exemple.fr,\"Durand, Claire\",2026-11-20 09:30,salon,analyses;études",
            "noel@exemple.fr,Noël,2026-11-21,site,");
        var export = await ExportAsync(source);
        await using var target = await Gateway.CreateAsync(start: true);

        var response = await target.Client.PostAsync("/api/subscribers/import", new StringContent(export, Encoding.UTF8, "text/csv"));
        var report = (await response.Content.ReadFromJsonAsync<SubscribersApi.ImportReport>())!;

        Assert.Equal(2, report.Created);
        Assert.Equal(0, report.Rejected);
        foreach (var address in new[] { "claire@exemple.fr", "noel@exemple.fr" })
        {
            var before = await SubscriberAsync(source, address);
            var after = await SubscriberAsync(target, address);
            Assert.Equal(before.Name, after.Name);
            Assert.Equal(before.Sections, after.Sections);
            Assert.Equal(before.ConsentAt, after.ConsentAt);
            Assert.Equal(before.ConsentSource, after.ConsentSource);
        }
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(2001)]
    public async Task Export_MoreThanOneBatch_WritesEverySubscriberOnce(int count)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        var rows = Enumerable.Range(0, count).Select(i => $"lecteur{i}@exemple.fr,,2026-11-20,salon,{(i % 2 == 0 ? "analyses" : "")}");
        var report = await ImportAsync(gateway, "", [Header, .. rows]);
        Assert.Equal(count, report.Created);

        var text = await ExportAsync(gateway);
        var parsed = SubscriberCsv.Parse(new StringReader(text), SubscribersOptions.DefaultSections, null,
            gateway.Services.GetRequiredService<MagazineTime>(), gateway.Clock!.GetUtcNow());

        Assert.Empty(parsed.Rejected);
        Assert.Equal(count, parsed.Rows.Count);
        Assert.Equal(count, parsed.Rows.Select(r => r.Address).Distinct().Count());
        Assert.Equal(count / 2 + count % 2, parsed.Rows.Count(r => r.Sections is ["analyses"]));
        Assert.Equal(count / 2, parsed.Rows.Count(r => r.Sections is null));
    }

    [Fact]
    public async Task Export_NoSubscribers_IsTheHeaderLineOnly()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var text = await ExportAsync(gateway);

        Assert.Equal(string.Join(",", SubscriberCsv.ExportColumns), text.TrimEnd('\r', '\n'));
    }

    // ---- erasure ----

    [Fact]
    public async Task Erase_ByAddress_RemovesSubscriberAndMessagesAndKeepsOnlyAHash()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportAsync(gateway, "", Header, "efface@exemple.fr,Claire Durand,2026-11-20,salon,analyses", "garde@exemple.fr,,2026-11-20,salon,");
        var id = (await SubscriberAsync(gateway, "efface@exemple.fr")).Id;
        await Outbox(gateway).EnqueueAsync(Body, [Mail("efface@exemple.fr"), Mail("garde@exemple.fr")], None);
        await Outbox(gateway).EnqueueAsync(Body, [Mail("efface@exemple.fr", "confirm-20261127")], None);
        await gateway.Services.GetRequiredService<SuppressionList>().SuppressAsync("efface@exemple.fr", "hard bounce: 550", None);

        var response = await gateway.Client.PostAsJsonAsync("/api/subscribers/erase", new { email = "  Efface@Exemple.FR " });
        var report = await response.Content.ReadFromJsonAsync<ErasureReport>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new ErasureReport(SubscriberRemoved: true, MessagesRemoved: 2, SuppressionHashKept: true), report);

        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync($"/api/subscribers/{id}")).StatusCode);
        Assert.Equal(["garde@exemple.fr"], await ListedAddressesAsync(gateway, ""));
        Assert.DoesNotContain("efface@exemple.fr", await ExportAsync(gateway));
        Assert.DoesNotContain("Claire Durand", await ExportAsync(gateway));
        Assert.Null(await Outbox(gateway).GetAsync(OutboxStore.KeyOf("digest-2026-48", "efface@exemple.fr"), None));
        Assert.Null(await Outbox(gateway).GetAsync(OutboxStore.KeyOf("confirm-20261127", "efface@exemple.fr"), None));
        Assert.NotNull(await Outbox(gateway).GetAsync(OutboxStore.KeyOf("digest-2026-48", "garde@exemple.fr"), None));

        // No address left in clear, only the hash: still suppressed, for imports too.
        Assert.False(await gateway.Services.GetRequiredService<SuppressionList>().IsSuppressedAsync("efface@exemple.fr", None));
        Assert.Equal("erased on request", await Store(gateway).SuppressionOfAsync("efface@exemple.fr", None));
        var reimport = await ImportAsync(gateway, "", Header, "efface@exemple.fr,Claire Durand,2026-11-26,salon,");
        Assert.Equal(1, reimport.Rejected);
        Assert.Contains("suppressed", reimport.Problems.Single().Reason);
        Assert.Null(await Store(gateway).FindAsync("efface@exemple.fr", None));
    }

    [Fact]
    public async Task Erase_ById_RemovesSubscriberAndMessagesThenIs404()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "efface@exemple.fr|études", "garde@exemple.fr");
        var id = (await SubscriberAsync(gateway, "efface@exemple.fr")).Id;
        await Outbox(gateway).EnqueueAsync(Body, [Mail("efface@exemple.fr")], None);

        var response = await gateway.Client.DeleteAsync($"/api/subscribers/{id}");
        var report = await response.Content.ReadFromJsonAsync<ErasureReport>();
        var again = await gateway.Client.DeleteAsync($"/api/subscribers/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new ErasureReport(true, 1, true), report);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync($"/api/subscribers/{id}")).StatusCode);
        Assert.Equal(["garde@exemple.fr"], await ListedAddressesAsync(gateway, ""));
        Assert.DoesNotContain("efface@exemple.fr", await ExportAsync(gateway));
        Assert.Null(await Outbox(gateway).GetAsync(OutboxStore.KeyOf("digest-2026-48", "efface@exemple.fr"), None));
        var counts = await CountsAsync(gateway);
        Assert.Equal(1, counts.ByStatus["active"]);
        Assert.Equal(1, counts.BySection["études"]);

        var reimport = await ImportAsync(gateway, "", Header, "efface@exemple.fr,,2026-11-26,salon,");
        Assert.Equal(1, reimport.Rejected);
        Assert.Contains("suppressed", reimport.Problems.Single().Reason);
    }

    [Fact]
    public async Task Erase_ByIdWithoutKeepingSuppression_LeavesNoTraceSoAnImportCreatesAgain()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "efface@exemple.fr");
        var id = (await SubscriberAsync(gateway, "efface@exemple.fr")).Id;
        await Store(gateway).UnsubscribeAsync(id, "unsubscribed (page)", None);

        var report = await (await gateway.Client.DeleteAsync($"/api/subscribers/{id}?keepSuppression=false")).Content.ReadFromJsonAsync<ErasureReport>();

        Assert.Equal(new ErasureReport(true, 0, false), report);
        Assert.Null(await Store(gateway).SuppressionOfAsync("efface@exemple.fr", None));
        Assert.Equal(1, (await ImportAsync(gateway, "", Header, "efface@exemple.fr,,2026-11-26,salon,")).Created);
    }

    [Fact]
    public async Task Erase_UnknownAddress_ReportsNothingRemovedButKeepsTheHash()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await gateway.Client.PostAsJsonAsync("/api/subscribers/erase", new { email = "jamais@exemple.fr" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new ErasureReport(false, 0, true), await response.Content.ReadFromJsonAsync<ErasureReport>());
        var import = await ImportAsync(gateway, "", Header, "jamais@exemple.fr,,2026-11-26,salon,");
        Assert.Equal(1, import.Rejected);
    }

    [Theory]
    [InlineData("{\"email\":\"pas-une-adresse\"}")]
    [InlineData("{\"email\":\"\"}")]
    [InlineData("{\"email\":null}")]
    [InlineData("{}")]
    [InlineData("{\"email\":\"x@exemple.fr\\r\\nBcc: y@exemple.fr\"}")]
    [InlineData("{\"email\":\"Jean <x@exemple.fr>\"}")]
    public async Task Erase_InvalidAddress_Is400NamingEmailAndErasesNothing(string json)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportActiveAsync(gateway, "x@exemple.fr");

        var response = await gateway.Client.PostAsync("/api/subscribers/erase", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["email"], errors.Select(e => e.Key));
        Assert.NotNull(await Store(gateway).FindAsync("x@exemple.fr", None));
        Assert.Null(await Store(gateway).SuppressionOfAsync("x@exemple.fr", None));
    }
}
