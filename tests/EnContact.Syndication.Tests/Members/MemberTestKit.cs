using System.Net;
using System.Net.Http.Json;
using System.Text;
using EnContact.Syndication.Members;
using EnContact.Syndication.Tests.Feeds;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Members;

/// <summary>What the members' tests do again and again: a started gateway with the fixed articles, members put through the API.</summary>
public static class MemberTestKit
{
    /// <summary>A started gateway serving the fixed feed articles (one of them premium).</summary>
    public static async Task<Gateway> StartWithArticlesAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var gateway = await Gateway.CreateAsync(start: true, settings: settings);
        await FeedTestData.SaveAllAsync(gateway);
        await gateway.WaitForFeedsAsync();
        return gateway;
    }

    public static async Task<HttpResponseMessage> PutAsync(Gateway gateway, string externalId, string json) =>
        await gateway.Client.PutAsync($"/api/members/{externalId}", new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Puts a member and returns it as the API shows it, feed addresses included.</summary>
    public static async Task<MembersApi.MemberView> MemberAsync(Gateway gateway, string externalId, string email, string? expiresAt = null)
    {
        var body = expiresAt is null ? $$"""{"email":"{{email}}","name":"Léa"}""" : $$"""{"email":"{{email}}","expiresAt":"{{expiresAt}}"}""";
        var put = await PutAsync(gateway, externalId, body);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return await GetAsync(gateway, externalId);
    }

    public static async Task<MembersApi.MemberView> GetAsync(Gateway gateway, string externalId)
    {
        var response = await gateway.Client.GetAsync($"/api/members/{externalId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<MembersApi.MemberView>())!;
    }

    /// <summary>The path and query of a private feed address (the public host is the production one; the test asks its own gateway).</summary>
    public static string PathOf(string url) => new Uri(url).PathAndQuery;

    public static string AllAtom(MembersApi.MemberView member) => PathOf(member.FeedUrls!.First().Atom);

    public static async Task<HttpResponseMessage> FetchAsync(Gateway gateway, string path, string? accept = null, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
            request.Headers.TryAddWithoutValidation("Accept", accept);
        if (forwardedFor is not null)
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        using var client = gateway.NewClient(null);
        return await client.SendAsync(request);
    }
}
