using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Ingestion;

/// <summary>The admin API through real HTTP on loopback against a real SQLite file.</summary>
[Trait("Speed", "Slow")]
public sealed class ArticlesApiTests
{
    private static object ValidBody(string title = "Relation client : l’IA > le script & le reste") => new
    {
        title,
        published = "2026-11-20 09:30",
        authors = new[] { "Claire Dubois" },
        section = "analyses",
        issue = "En-Contact 50",
        tags = new[] { "IA", "crm" },
        access = "premium",
        summary = "Le chapeau visible par tous.",
        contentMarkdown = "Premier paragraphe.\n\n[Dossier](/dossiers/ia)",
    };

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-wrong-token-wrong")]
    public async Task Api_WithoutValidToken_Is401WithBearerChallenge(string? token)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        using var client = gateway.NewClient(token);

        var list = await client.GetAsync("/api/articles");
        var put = await client.PutAsJsonAsync("/api/articles/x", ValidBody());
        var problems = await client.GetAsync("/api/ingestion/problems");

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, problems.StatusCode);
        Assert.Equal("Bearer", list.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", list.Content.Headers.ContentType!.MediaType);
        Assert.Null(await gateway.Articles.GetAsync("x", CancellationToken.None));
    }

    [Fact]
    public async Task Put_NewArticle_Is201ThenSameBodyIsUnchanged()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var first = await gateway.Client.PutAsJsonAsync("/api/articles/ec-api-1", ValidBody());
        var firstBody = await first.Content.ReadFromJsonAsync<JsonObject>();
        var second = await gateway.Client.PutAsJsonAsync("/api/articles/ec-api-1", ValidBody());
        var secondBody = await second.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("/api/articles/ec-api-1", first.Headers.Location!.OriginalString);
        Assert.Equal("created", (string?)firstBody!["outcome"]);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("unchanged", (string?)secondBody!["outcome"]);
        Assert.Equal((long)firstBody["article"]!["version"]!, (long)secondBody["article"]!["version"]!);

        var stored = await gateway.SingleArticleAsync("ec-api-1");
        Assert.Equal("Relation client : l’IA > le script & le reste", stored.Title);
        Assert.Equal(ArticleAccess.Premium, stored.Access);
        Assert.Equal(["ia", "crm"], stored.Tags);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero), stored.PublishedAt);
        Assert.Contains("href=\"https://www.en-contact.com/dossiers/ia\"", stored.ContentHtml);
        Assert.Equal("api", stored.Source);
    }

    [Fact]
    public async Task Put_ChangedBody_Is200UpdatedAndMovesVersion()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await gateway.Client.PutAsJsonAsync("/api/articles/a1", ValidBody("Avant"));
        var before = await gateway.SingleArticleAsync("a1");

        var response = await gateway.Client.PutAsJsonAsync("/api/articles/a1", ValidBody("Après"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("updated", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["outcome"]);
        var after = await gateway.SingleArticleAsync("a1");
        Assert.Equal("Après", after.Title);
        Assert.True(after.Version > before.Version);
    }

    [Fact]
    public async Task Put_InvalidFields_Is400ProblemNamingEachField()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await gateway.Client.PutAsJsonAsync("/api/articles/a1", new
        {
            published = "2026-03-29 02:30",
            access = "gold",
            slug = "Pas Un Slug",
            image = "javascript:alert(1)",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["access", "image", "published", "slug", "title"], errors.Select(e => e.Key).Order().ToArray());
        Assert.Contains("does not exist in Europe/Paris", errors["published"]![0]!.GetValue<string>());
        Assert.Null(await gateway.Articles.GetAsync("a1", CancellationToken.None));
    }

    [Theory]
    [InlineData("{\"title\": \"Titre\", ", "body")]
    [InlineData("{\"title\": 42}", "title")]
    [InlineData("{\"titel\": \"Titre\"}", "titel")]
    [InlineData("[1, 2]", "body")]
    public async Task Put_MalformedJson_Is400AndStoresNothing(string json, string field)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await gateway.Client.PutAsJsonAsync("/api/articles/a1", ValidBody("Bon"));

        var response = await gateway.Client.PutAsync("/api/articles/a1", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"errors name '{field}': {errors.ToJsonString()}");
        Assert.Equal("Bon", (await gateway.SingleArticleAsync("a1")).Title);
    }

    [Fact]
    public async Task Put_ControlCharactersInTitle_AreRemovedWithWarning()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await gateway.Client.PutAsJsonAsync("/api/articles/a1", ValidBody("Titre\u0000 propre\u0008"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var warning = Assert.Single(body["warnings"]!.AsArray())!.GetValue<string>();
        Assert.StartsWith("title: removed 2 character(s) that XML forbids (U+0000, U+0008)", warning);
        Assert.Equal("Titre propre", (await gateway.SingleArticleAsync("a1")).Title);
    }

    [Fact]
    public async Task Put_BodyOverTheLimit_Is413AndStoresNothing()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Admin:MaxRequestBodyBytes"] = "10000" });
        var huge = JsonSerializer.Serialize(new { title = "Titre", published = "2026-11-20 09:30", contentMarkdown = new string('a', 20_000) });

        var response = await gateway.Client.PutAsync("/api/articles/a1", new StringContent(huge, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Null(await gateway.Articles.GetAsync("a1", CancellationToken.None));
    }

    [Fact]
    public async Task Put_ChunkedBodyOverTheLimit_Is413()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Admin:MaxRequestBodyBytes"] = "10000" });
        var huge = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { title = "Titre", published = "2026-11-20 09:30", contentMarkdown = new string('a', 20_000) }));
        var content = new StreamContent(new MemoryStream(huge));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Put, "/api/articles/a1") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Null(await gateway.Articles.GetAsync("a1", CancellationToken.None));
    }

    [Fact]
    public async Task Put_NotJson_Is415()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await gateway.Client.PutAsync("/api/articles/a1", new StringContent("title=x", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Put_IdMismatchOrInvalidId_Is400()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var mismatch = await gateway.Client.PutAsJsonAsync("/api/articles/a1", new { id = "a2", title = "T", published = "2026-11-20 09:30" });
        var invalid = await gateway.Client.PutAsJsonAsync("/api/articles/Not%20Valid", ValidBody());

        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.True((await invalid.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().ContainsKey("id"));
    }

    [Fact]
    public async Task Put_SlugOfAnotherArticle_Is409()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await gateway.Client.PutAsJsonAsync("/api/articles/a1", ValidBody("Même titre"));

        var response = await gateway.Client.PutAsJsonAsync("/api/articles/a2", ValidBody("Même titre"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Contains("already used by article 'a1'", errors["slug"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task PutAndDelete_ArticleFromContentFolder_Is409()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        gateway.WriteContent("a.md", SampleArticles.Markdown());
        await gateway.ScanAsync();

        var put = await gateway.Client.PutAsJsonAsync("/api/articles/a", ValidBody());
        var delete = await gateway.Client.DeleteAsync("/api/articles/a");

        Assert.Equal(HttpStatusCode.Conflict, put.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Contains("a.md", (string?)(await put.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(ArticleStatus.Published, (await gateway.SingleArticleAsync("a")).Status);
    }

    [Fact]
    public async Task GetAndDelete_ReturnArticleThen204Then404()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await gateway.Client.PutAsJsonAsync("/api/articles/a1", ValidBody());

        var get = await gateway.Client.GetFromJsonAsync<JsonObject>("/api/articles/a1");
        var delete = await gateway.Client.DeleteAsync("/api/articles/a1");
        var deleteAgain = await gateway.Client.DeleteAsync("/api/articles/a1");
        var missing = await gateway.Client.GetAsync("/api/articles/nope");

        Assert.Equal("premium", (string?)get!["access"]);
        Assert.Contains("<p>Premier paragraphe.</p>", (string?)get["contentHtml"]);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deleteAgain.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(ArticleStatus.Deleted, (await gateway.SingleArticleAsync("a1")).Status);
    }

    [Fact]
    public async Task List_FiltersAndPages()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        for (var i = 1; i <= 5; i++)
        {
            await gateway.Client.PutAsJsonAsync($"/api/articles/a{i}", new
            {
                title = $"Article {i}",
                published = $"2026-11-0{i} 10:00",
                section = i % 2 == 0 ? "indiscrétions" : "analyses",
                draft = i == 5,
            });
        }
        var afterThree = (await gateway.SingleArticleAsync("a3")).Version;

        var section = await gateway.Client.GetFromJsonAsync<JsonObject>("/api/articles?section=indiscr%C3%A9tions");
        var drafts = await gateway.Client.GetFromJsonAsync<JsonObject>("/api/articles?status=draft");
        var page2 = await gateway.Client.GetFromJsonAsync<JsonObject>("/api/articles?pageSize=2&page=2");
        var changed = await gateway.Client.GetFromJsonAsync<JsonObject>($"/api/articles?changedSince={afterThree}");
        var since = await gateway.Client.GetFromJsonAsync<JsonObject>("/api/articles?since=2026-11-04T00:00:00Z");
        var bad = await gateway.Client.GetAsync("/api/articles?status=gone&pageSize=1000&since=hier");

        Assert.Equal(["a4", "a2"], Ids(section!));
        Assert.Equal(["a5"], Ids(drafts!));
        Assert.Equal(["a3", "a2"], Ids(page2!));
        Assert.Equal(5, (long)page2!["total"]!);
        Assert.Equal(["a5", "a4"], Ids(changed!));
        Assert.Equal(["a5", "a4"], Ids(since!));
        Assert.Null(section!["items"]![0]!["contentHtml"]);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["pageSize", "since", "status"], errors.Select(e => e.Key).Order().ToArray());
    }

    [Fact]
    public async Task Problems_ListsBrokenContentFiles()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        gateway.WriteContent("2026/casse.md", "---\ntitle: Titre\npublished: demain\n---\n");
        await gateway.ScanAsync();

        var problems = await gateway.Client.GetFromJsonAsync<JsonArray>("/api/ingestion/problems");

        var problem = Assert.Single(problems!)!;
        Assert.Equal("file:2026/casse.md", (string?)problem["source"]);
        Assert.Equal(3, (int)problem["line"]!);
        Assert.Contains("'demain' is not a date", (string?)problem["reason"]);
    }

    [Fact]
    public async Task Put_MarkdownNestedTooDeeply_Is400NamingTheFieldAndStoresNothing()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        var response = await gateway.Client.PutAsJsonAsync("/api/articles/profond", new { title = "Profond", published = "2026-11-20 09:30", contentMarkdown = new string('>', 50_000) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Contains("nests too deeply", (string?)errors["contentMarkdown"]![0]);
        Assert.Null(await gateway.Articles.GetAsync("profond", CancellationToken.None));
    }

    [Fact]
    public async Task Health_IsPublic()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        using var anonymous = gateway.NewClient(null);

        var health = await anonymous.GetFromJsonAsync<JsonObject>("/healthz");

        Assert.Equal("ok", (string?)health!["status"]);
    }

    [Fact]
    public async Task Health_OverThePublicRateLimit_Is429WithRetryAfter()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Admin:PublicRequestsPerMinute"] = "2" });
        using var anonymous = gateway.NewClient(null);

        var codes = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last = await anonymous.GetAsync("/healthz");
            codes.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], codes);
        Assert.Equal(TimeSpan.FromSeconds(60), last!.Headers.RetryAfter!.Delta);
    }

    private static string[] Ids(JsonObject page) => page["items"]!.AsArray().Select(i => (string)i!["id"]!).ToArray();
}
