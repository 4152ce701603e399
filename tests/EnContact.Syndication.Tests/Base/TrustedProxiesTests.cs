using System.Net;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Base;

/// <summary>Per-client rate limits behind a reverse proxy: forwarded headers count only from a trusted proxy.</summary>
[Trait("Speed", "Slow")]
public sealed class TrustedProxiesTests
{
    private static async Task<HttpStatusCode> HealthAsync(Gateway gateway, string forwardedFor)
    {
        using var client = gateway.NewClient(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return (await client.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task WithoutTrustedProxies_ForgedForwardedForDoesNotEscapeTheLimit()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Admin:PublicRequestsPerMinute"] = "2" });

        var answers = new[] { await HealthAsync(gateway, "203.0.113.1"), await HealthAsync(gateway, "203.0.113.2"), await HealthAsync(gateway, "203.0.113.3") };

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers);
    }

    [Fact]
    public async Task BehindATrustedProxy_EachForwardedClientHasItsOwnLimit()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Admin:PublicRequestsPerMinute"] = "2",
            ["Admin:TrustedProxies:0"] = "127.0.0.1",
        });

        var first = new[] { await HealthAsync(gateway, "203.0.113.1"), await HealthAsync(gateway, "203.0.113.1"), await HealthAsync(gateway, "203.0.113.1") };
        var other = await HealthAsync(gateway, "203.0.113.2");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], first);
        Assert.Equal(HttpStatusCode.OK, other);
    }

    [Fact]
    public async Task TrustedProxy_ThatIsNotAnAddress_StopsStartUpNamingTheKey()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Admin:TrustedProxies:0"] = "nginx.local" }));

        Assert.Contains("Admin:TrustedProxies:0: 'nginx.local' is not an IP address", failure.Failures);
    }
}
