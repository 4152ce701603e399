using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeHollow.FeedReader;
using CodeHollow.FeedReader.Feeds;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Ingestion;

/// <summary>Replacing a published article through <c>PUT /api/articles/{id}</c>, checked in the served feeds.</summary>
[Trait("Speed", "Slow")]
public sealed class ArticlesApiEditTests
{
    private const string Url = "https://www.en-contact.com/articles/relation-client-l-ia-et-le-script";
    private static readonly DateTimeOffset Published = new(2026, 11, 20, 8, 30, 0, TimeSpan.Zero);

    private static object Body(string title, string text, string? slug = null, string? updated = null) => new
    {
        title,
        slug,
        published = "2026-11-20 09:30",
        updated,
        authors = new[] { "Claire Dubois" },
        section = "analyses",
        contentMarkdown = text,
    };

    private static async Task<JsonObject> PutAsync(Gateway gateway, object body, HttpStatusCode expected)
    {
        var response = await gateway.Client.PutAsJsonAsync("/api/articles/ec-api-1", body, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });
        Assert.Equal(expected, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static async Task<(string Url, DateTimeOffset Updated, DateTimeOffset Published)> AtomEntryAsync(HttpClient reader)
    {
        var entry = Assert.Single(FeedReader.ReadFromByteArray(await reader.GetByteArrayAsync("/feeds/all.atom")).Items);
        var atom = (AtomFeedItem)entry.SpecificItem;
        return (entry.Link, DateTimeOffset.Parse(atom.UpdatedDateString), DateTimeOffset.Parse(atom.PublishedDateString));
    }

    private static async Task<(string Url, DateTimeOffset Updated)> JsonItemAsync(HttpClient reader)
    {
        using var json = JsonDocument.Parse(await reader.GetByteArrayAsync("/feeds/all.json"));
        var item = json.RootElement.GetProperty("items")[0];
        return (item.GetProperty("url").GetString()!, DateTimeOffset.Parse(item.GetProperty("date_modified").GetString()!));
    }

    [Fact]
    public async Task Put_PublishedArticleRetitledAndCorrected_FeedsKeepItsUrlAndShowTheCorrectionTime()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        using var reader = gateway.NewClient(null);
        await PutAsync(gateway, Body("Relation client : l’IA et le script", "Premier paragraphe."), HttpStatusCode.Created);
        await gateway.WaitForFeedsAsync();
        Assert.Equal((Url, Published, Published), await AtomEntryAsync(reader));

        gateway.Clock!.Advance(TimeSpan.FromHours(2));
        var correctedAt = gateway.Clock.GetUtcNow();
        var replaced = await PutAsync(gateway, Body("Relation client : l’IA remplace-t-elle le script ?", "Premier paragraphe, corrigé."), HttpStatusCode.OK);
        await gateway.WaitForFeedsAsync();

        Assert.Equal("updated", (string?)replaced["outcome"]);
        Assert.Equal("relation-client-l-ia-et-le-script", (string?)replaced["article"]!["slug"]);
        Assert.Equal(correctedAt, DateTimeOffset.Parse((string)replaced["article"]!["updated"]!));
        Assert.Equal((Url, correctedAt, Published), await AtomEntryAsync(reader));
        Assert.Equal((Url, correctedAt), await JsonItemAsync(reader));

        // The same body again, later: nothing is written and 'updated' stays where it was.
        var version = (long)replaced["article"]!["version"]!;
        gateway.Clock.Advance(TimeSpan.FromHours(5));
        var again = await PutAsync(gateway, Body("Relation client : l’IA remplace-t-elle le script ?", "Premier paragraphe, corrigé."), HttpStatusCode.OK);
        Assert.Equal("unchanged", (string?)again["outcome"]);
        Assert.Equal(version, (long)again["article"]!["version"]!);
        Assert.Equal(correctedAt, DateTimeOffset.Parse((string)again["article"]!["updated"]!));
    }

    [Fact]
    public async Task Put_BodyCorrectedAfterPublication_MovesUpdatedInFeeds()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        using var reader = gateway.NewClient(null);
        await PutAsync(gateway, Body("Relation client : l’IA et le script", "Premier paragraphe."), HttpStatusCode.Created);

        gateway.Clock!.Advance(TimeSpan.FromMinutes(45));
        await PutAsync(gateway, Body("Relation client : l’IA et le script", "Premier paragraphe, avec le bon chiffre."), HttpStatusCode.OK);
        await gateway.WaitForFeedsAsync();

        Assert.Equal((Url, gateway.Clock.GetUtcNow(), Published), await AtomEntryAsync(reader));
        Assert.Equal((Url, gateway.Clock.GetUtcNow()), await JsonItemAsync(reader));
    }

    [Fact]
    public async Task Put_ExplicitSlugOrPinnedUpdated_WinOverTheKeptValues()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        using var reader = gateway.NewClient(null);
        await PutAsync(gateway, Body("Relation client : l’IA et le script", "Premier paragraphe."), HttpStatusCode.Created);

        gateway.Clock!.Advance(TimeSpan.FromHours(2));
        await PutAsync(gateway, Body("Un autre titre", "Premier paragraphe.", slug: "ia-et-script", updated: "2026-11-21 18:00"), HttpStatusCode.OK);
        await gateway.WaitForFeedsAsync();

        var pinned = new DateTimeOffset(2026, 11, 21, 17, 0, 0, TimeSpan.Zero);
        Assert.Equal(("https://www.en-contact.com/articles/ia-et-script", pinned, Published), await AtomEntryAsync(reader));
        Assert.Equal(("https://www.en-contact.com/articles/ia-et-script", pinned), await JsonItemAsync(reader));
    }

    [Fact]
    public async Task Put_KeptSlugNowUsedByAnotherArticle_Is409()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await PutAsync(gateway, Body("Relation client : l’IA et le script", "Texte."), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.Client.DeleteAsync("/api/articles/ec-api-1")).StatusCode);
        var other = await gateway.Client.PutAsJsonAsync("/api/articles/ec-api-2", new { title = "Relation client : l’IA et le script", published = "2026-11-21 09:30", contentMarkdown = "Autre." });
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);

        var response = await gateway.Client.PutAsJsonAsync("/api/articles/ec-api-1", Body("Un titre neuf", "Texte."));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Contains("already used by article 'ec-api-2'", errors["slug"]![0]!.GetValue<string>());
    }
}
