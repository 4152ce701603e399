using System.Net;
using System.Net.Sockets;
using System.Text;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.AspNetCore.Routing;

namespace EnContact.Syndication.Tests.Composition;

/// <summary>
/// Every route under /api, read from the gateway's own endpoint data source (not a hand list), refuses
/// a request without the admin token or with a wrong one, whatever the body, before reading it.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class AdminApiAuthorizationTests
{
    public static TheoryData<string> Bodies => new() { "none", "malformed-json", "csv", "large" };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task EveryApiRoute_WithoutOrWithWrongToken_Answers401(string body)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        var routes = ApiRoutes(gateway);
        Assert.True(routes.Count >= 20, $"only {routes.Count} /api routes found: the enumeration is broken");

        foreach (var token in new[] { null, "wrong-token-0123456789abcdefghij" })
        {
            using var client = gateway.NewClient(token);
            foreach (var (method, path) in routes)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Body(body) };
                using var response = await client.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
                    $"{method} {path} with {(token is null ? "no token" : "a wrong token")} and body '{body}' answered {(int)response.StatusCode}");
                Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
            }
        }
    }

    [Fact]
    public async Task PostWithoutToken_AnswersBeforeTheBodyIsSent()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        // Announce 8 MiB, send 1 KiB and then nothing: a server that reads the body before the token waits forever.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /api/subscribers/erase HTTP/1.1\r\nHost: {gateway.BaseAddress.Authority}\r\nContent-Type: application/json\r\nContent-Length: {8 * 1024 * 1024}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + "{\"email\":\"" + new string('a', 1024)));

        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        var answer = Encoding.ASCII.GetString(buffer, 0, read);

        Assert.StartsWith("HTTP/1.1 401", answer);
        Assert.Contains("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ApiRoute_WithToken_StillWorks()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        using var response = await gateway.Client.GetAsync("/api/subscribers/counts");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static List<(string Method, string Path)> ApiRoutes(Gateway gateway) =>
        gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => (method, Concrete(e.RoutePattern.RawText!))))
            .ToList();

    /// <summary>The route with every parameter filled in ("/api/articles/{id}" → "/api/articles/x").</summary>
    private static string Concrete(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"\{[^}]+\}", "x");

    private static HttpContent? Body(string kind) => kind switch
    {
        "malformed-json" => new StringContent("{\"to\": [", Encoding.UTF8, "application/json"),
        "csv" => new StringContent("email\nmarie@exemple.fr\n", Encoding.UTF8, "text/csv"),
        "large" => new ByteArrayContent(new byte[1024 * 1024]) { Headers = { ContentType = new("application/json") } },
        _ => null,
    };
}
