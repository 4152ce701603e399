using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using EnContact.Syndication.Members;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Members.MemberTestKit;

namespace EnContact.Syndication.Tests.Members;

/// <summary>The members admin API through real HTTP on loopback: upsert, bad input, revoke, list, CSV import.</summary>
[Trait("Speed", "Slow")]
public sealed class MembersApiTests
{
    private const string Header = "external_id,email,name,expires_at";

    private static MemberStore Store(Gateway gateway) => gateway.Services.GetRequiredService<MemberStore>();

    private static async Task<(HttpStatusCode Status, MemberImportReport? Report, string Body)> ImportAsync(Gateway gateway, string query, params string[] lines)
    {
        var response = await gateway.Client.PostAsync("/api/members/import" + query, new StringContent(string.Join("\n", lines) + "\n", Encoding.UTF8, "text/csv"));
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.StatusCode == HttpStatusCode.OK ? System.Text.Json.JsonSerializer.Deserialize<MemberImportReport>(body, System.Text.Json.JsonSerializerOptions.Web) : null, body);
    }

    [Fact]
    public async Task PutMember_SameBodyTwice_CreatesOnceThenChangesNothing()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        const string body = """{"email":"Lea@Exemple.fr","name":"Léa","expiresAt":"2027-11-30T00:00:00+01:00"}""";

        var first = await PutAsync(gateway, "pw-1", body);
        var stored = await Store(gateway).GetAsync("pw-1", CancellationToken.None);
        gateway.Clock!.Advance(TimeSpan.FromMinutes(5));
        var second = await PutAsync(gateway, "pw-1", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("unchanged", JsonNode.Parse(await second.Content.ReadAsStringAsync())!["result"]!.GetValue<string>());
        Assert.Equal(stored, await Store(gateway).GetAsync("pw-1", CancellationToken.None));
        Assert.Equal("lea@exemple.fr", stored!.Address);
        Assert.Equal(1, (await Store(gateway).ListAsync(1, 50, CancellationToken.None)).Total);
    }

    [Theory]
    [InlineData("""{"email":"lea@exemple.fr",""", "body")]
    [InlineData("""{"email":"lea@exemple.fr","emial":"x"}""", "emial")]
    [InlineData("""{"email":"lea@exemple.fr\r\nBcc: tous@exemple.fr"}""", "email")]
    [InlineData("""{"email":"pas-une-adresse"}""", "email")]
    [InlineData("""{"email":"lea@exemple.fr","expiresAt":"bientôt"}""", "expiresAt")]
    [InlineData("""{"email":"lea@exemple.fr","name":"Léa\nDupont"}""", "name")]
    public async Task PutMember_BadBody_Answers400NamingTheField_AndLeavesTheMemberAsItWas(string body, string field)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await PutAsync(gateway, "pw-1", """{"email":"lea@exemple.fr","name":"Léa"}""");
        var before = await Store(gateway).GetAsync("pw-1", CancellationToken.None);

        var response = await PutAsync(gateway, "pw-1", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]![field]);
        Assert.Equal(before, await Store(gateway).GetAsync("pw-1", CancellationToken.None));
    }

    [Fact]
    public async Task PutMember_ExpiryInThePast_IsStoredAsExpired()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await PutAsync(gateway, "pw-1", """{"email":"lea@exemple.fr","expiresAt":"2026-01-01"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("expired", (await GetAsync(gateway, "pw-1")).State);
        Assert.Empty(await Store(gateway).ActiveAddressesAsync(gateway.Clock!.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task Members_WithoutTheAdminToken_Answer401()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        using var anonymous = gateway.NewClient(null);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/members")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsync("/api/members/pw-1", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(0, (await Store(gateway).ListAsync(1, 50, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task RevokeMember_KeepsTheRow_UnknownIdAnswers404()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await PutAsync(gateway, "pw-1", """{"email":"lea@exemple.fr"}""");

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.Client.DeleteAsync("/api/members/pw-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.DeleteAsync("/api/members/pw-2")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.PostAsync("/api/members/pw-2/feed-token", null)).StatusCode);

        var revoked = await GetAsync(gateway, "pw-1");
        Assert.Equal("revoked", revoked.State);
        Assert.Empty(revoked.FeedUrls!);
    }

    [Fact]
    public async Task ListMembers_Paged_NewestFirst()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        foreach (var id in new[] { "pw-1", "pw-2", "pw-3" })
        {
            await PutAsync(gateway, id, $$"""{"email":"{{id}}@exemple.fr"}""");
            gateway.Clock!.Advance(TimeSpan.FromSeconds(1));
        }

        var page = await gateway.Client.GetFromJsonAsync<MembersApi.MemberListResponse>("/api/members?page=2&pageSize=2");
        var bad = await gateway.Client.GetAsync("/api/members?pageSize=0");

        Assert.Equal((3L, 2, 2), (page!.Total, page.Page, page.PageSize));
        Assert.Equal(["pw-1"], page.Items.Select(m => m.ExternalId));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Import_RowsWithErrors_NameLineAndColumn_AndTheOtherRowsAreImported()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var (status, report, body) = await ImportAsync(gateway, "",
            Header,
            "pw-1,lea@exemple.fr,Léa,2027-06-30",
            "pw-2,pas-une-adresse,,",
            "pw-3,marc@exemple.fr,,un jour",
            "pw/4,anne@exemple.fr,,",
            "pw-1,lea2@exemple.fr,,",
            "pw-5,paul@exemple.fr,,");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((2, 4, true), (report!.Created, report.Rejected, report.Applied));
        Assert.Equal([(3, "email"), (4, "expires_at"), (5, "external_id"), (6, "external_id")], report.Problems.Select(p => (p.Line, p.Column)));
        Assert.Contains("line 2", report.Problems.Last().Message);
        Assert.Equal(["lea@exemple.fr", "paul@exemple.fr"], (await Store(gateway).ActiveAddressesAsync(gateway.Clock!.GetUtcNow(), CancellationToken.None)).Order());
    }

    [Fact]
    public async Task Import_RevokeAbsent_RevokesOnlyFromAFileWithoutProblems()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await ImportAsync(gateway, "", Header, "pw-1,lea@exemple.fr,,", "pw-2,marc@exemple.fr,,");

        var (_, notByDefault, _) = await ImportAsync(gateway, "", Header, "pw-1,lea@exemple.fr,,");
        var (_, refused, _) = await ImportAsync(gateway, "?revokeAbsent=true", Header, "pw-1,lea@exemple.fr,,", "pw-3,faute,,");
        var stillTwo = await Store(gateway).ActiveAddressesAsync(gateway.Clock!.GetUtcNow(), CancellationToken.None);
        var (_, applied, _) = await ImportAsync(gateway, "?revokeAbsent=true", Header, "pw-1,lea@exemple.fr,,");

        Assert.Empty(notByDefault!.Revoked);
        Assert.False(refused!.Applied);
        Assert.Equal(["lea@exemple.fr", "marc@exemple.fr"], stillTwo.Order());
        Assert.Equal(["pw-2"], applied!.Revoked);
        Assert.Equal("revoked", (await GetAsync(gateway, "pw-2")).State);
    }

    [Fact]
    public async Task Import_FileWithoutTheEmailColumn_Answers400()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var (status, _, body) = await ImportAsync(gateway, "", "external_id,name", "pw-1,Léa");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'email'", body);
    }
}
