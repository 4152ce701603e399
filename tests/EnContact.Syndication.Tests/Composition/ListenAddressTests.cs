using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using EnContact.Syndication.Feeds;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Composition;

/// <summary>Where the gateway listens (its own settings, and ASP.NET Core's standard ones) and the public URLs derived from it in Development.</summary>
[Trait("Speed", "Slow")]
public sealed class ListenAddressTests
{
    private static Dictionary<string, string?> WithoutPublicUrls(string listen) => new()
    {
        ["Kestrel:Endpoints:Http:Url"] = listen,
        ["Feeds:PublicUrl"] = null,
        ["Subscribers:PublicUrl"] = null,
    };

    [Theory]
    [InlineData("http://127.0.0.1:5123", "http://127.0.0.1:5123/")]
    [InlineData("http://localhost:5124", "http://localhost:5124/")]
    [InlineData("http://0.0.0.0:8080", "http://localhost:8080/")]
    [InlineData("http://+:8081", "http://localhost:8081/")]
    [InlineData("http://*:8082", "http://localhost:8082/")]
    [InlineData("http://[::]:8083", "http://localhost:8083/")]
    public async Task Development_WithoutPublicUrls_DerivesThemFromTheListenAddress(string listen, string expected)
    {
        await using var gateway = await Gateway.CreateAsync(environment: "Development", settings: WithoutPublicUrls(listen));

        Assert.Equal(expected, gateway.Services.GetRequiredService<IOptions<FeedsOptions>>().Value.PublicUrl);
        Assert.Equal(expected, gateway.Services.GetRequiredService<IOptions<SubscribersOptions>>().Value.PublicUrl);
    }

    [Fact]
    public async Task Development_SetPublicUrls_AreKept()
    {
        await using var gateway = await Gateway.CreateAsync(environment: "Development", settings: new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:5123",
        });

        Assert.Equal("https://flux.en-contact.com/", gateway.Services.GetRequiredService<IOptions<FeedsOptions>>().Value.PublicUrl);
        Assert.Equal(Gateway.PublicUrl, gateway.Services.GetRequiredService<IOptions<SubscribersOptions>>().Value.PublicUrl);
    }

    [Fact]
    public async Task Development_ListenPortChosenAtStart_AsksForThePublicUrls()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Gateway.CreateAsync(start: true, environment: "Development", settings: WithoutPublicUrls("http://127.0.0.1:0")));

        Assert.Contains(failure.Failures, f => f.StartsWith("Feeds:PublicUrl: is not set, and the listen address http://127.0.0.1:0 has no fixed port to derive it from", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.StartsWith("Subscribers:PublicUrl: is not set, and the listen address", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Production_WithoutPublicUrls_FailsNamingBoth()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Gateway.CreateAsync(start: true, environment: "Production", settings: WithoutPublicUrls("http://127.0.0.1:5123")));

        Assert.Contains(failure.Failures, f => f.StartsWith("Feeds:PublicUrl: is required outside Development", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.StartsWith("Subscribers:PublicUrl: is required outside Development", StringComparison.Ordinal));
    }

    /// <summary>The settings a Development run gets when only the listen address is given.</summary>
    private static (string, string?)[] DevelopmentWithoutPublicUrls(params (string, string?)[] more) =>
    [
        ("DOTNET_ENVIRONMENT", "Development"),
        ("ENCONTACT__Kestrel__Endpoints__Http__Url", null),
        ("ENCONTACT__Feeds__PublicUrl", null),
        ("ENCONTACT__Subscribers__PublicUrl", null),
        .. more,
    ];

    [Theory]
    [InlineData("ASPNETCORE_URLS=http://127.0.0.1:5311", "", "http://127.0.0.1:5311", "http://127.0.0.1:5311/")]
    [InlineData("DOTNET_URLS=http://127.0.0.1:5311", "", "http://127.0.0.1:5311", "http://127.0.0.1:5311/")]
    [InlineData("ASPNETCORE_HTTP_PORTS=5312", "", "http://*:5312", "http://localhost:5312/")]
    [InlineData("ASPNETCORE_URLS=http://127.0.0.1:5311;ASPNETCORE_HTTP_PORTS=5312", "", "http://127.0.0.1:5311", "http://127.0.0.1:5311/")]
    [InlineData("ASPNETCORE_URLS=http://127.0.0.1:5311", "--urls http://127.0.0.1:5313", "http://127.0.0.1:5313", "http://127.0.0.1:5313/")]
    [InlineData("ASPNETCORE_URLS=http://127.0.0.1:5311;ENCONTACT__Kestrel__Endpoints__Http__Url=http://127.0.0.1:5314", "", "http://127.0.0.1:5314", "http://127.0.0.1:5314/")]
    [InlineData("ASPNETCORE_URLS=http://127.0.0.1:5311;file", "", "http://127.0.0.1:5311", "http://127.0.0.1:5311/")]
    [InlineData("file", "", "http://127.0.0.1:5315", "http://127.0.0.1:5315/")]
    public async Task ConfigDump_ListenAddressFromEachSource_FollowsTheDocumentedPrecedence(string variables, string arguments, string listen, string publicUrl)
    {
        using var work = new TempDirectory();
        var environment = new List<(string, string?)>();
        foreach (var assignment in variables.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (assignment == "file")
                File.WriteAllText(work.Combine("appsettings.json"), """{ "Kestrel": { "Endpoints": { "Http": { "Url": "http://127.0.0.1:5315" } } } }""");
            else
                environment.Add((assignment.Split('=')[0], assignment.Split('=')[1]));
        }

        var (code, output, error) = await GatewayProcess.RunAsync(work.Path, DevelopmentWithoutPublicUrls([.. environment]),
            ["config-dump", .. arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

        Assert.True(code == 0, error);
        var dump = JsonNode.Parse(output)!;
        Assert.Equal(listen, (string?)dump["Kestrel"]?["Endpoints"]?["Http"]?["Url"]);
        Assert.Equal(publicUrl, (string?)dump["Feeds"]?["PublicUrl"]);
        Assert.Equal(publicUrl, (string?)dump["Subscribers"]?["PublicUrl"]);
    }

    [Fact]
    public async Task Serve_OnlyThePortChanged_ListensThereAndFeedLinksFollow()
    {
        using var work = new TempDirectory();
        var port = FreePort();

        await using var serving = await GatewayProcess.ServeAsync(work.Path, DevelopmentWithoutPublicUrls(("ENCONTACT__Kestrel__Endpoints__Http__Url", $"http://127.0.0.1:{port}")),
            line => line.Contains("EnContact.Syndication is running"));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var atom = XDocument.Parse(await client.GetStringAsync("feeds/all.atom"));

        XNamespace ns = "http://www.w3.org/2005/Atom";
        var self = atom.Root!.Elements(ns + "link").Single(l => (string?)l.Attribute("rel") == "self");
        Assert.Equal($"http://127.0.0.1:{port}/feeds/all.atom", (string?)self.Attribute("href"));
    }

    [Fact]
    public async Task Serve_AspNetCoreHttpPorts_ListensOnThatPort()
    {
        using var work = new TempDirectory();
        var port = FreePort();

        await using var serving = await GatewayProcess.ServeAsync(work.Path,
            [("ENCONTACT__Kestrel__Endpoints__Http__Url", null), ("ASPNETCORE_HTTP_PORTS", port.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            line => line.Contains("EnContact.Syndication is running"));
        using var client = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{port}/healthz")).StatusCode);
        Assert.DoesNotContain(serving.Output, line => line.Contains("Overriding address"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
