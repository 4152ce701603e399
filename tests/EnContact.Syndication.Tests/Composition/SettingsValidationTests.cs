using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Composition;

/// <summary>Wrong settings, from any source and in any section, are all reported at once as <c>Section:Key: problem</c> lines.</summary>
[Trait("Speed", "Slow")]
public sealed class SettingsValidationTests
{
    /// <summary>Five mistakes an operator makes: an unknown key, an unreadable value, a value out of range, a rule broken, an unknown section.</summary>
    private static readonly (string Name, string? Value)[] FiveMistakes =
    [
        ("ENCONTACT__Site__Titl", "En-Contact"),
        ("ENCONTACT__Storage__BusyTimeout", "soon"),
        ("ENCONTACT__Feeds__ItemCount", "0"),
        ("ENCONTACT__Digest__TimeZone", "Europe/Pariss"),
        ("ENCONTACT__Sitee__Title", "En-Contact"),
    ];

    [Theory]
    [InlineData("serve")]
    [InlineData("migrate")]
    [InlineData("config-dump")]
    [InlineData("articles list")]
    [InlineData("feeds export out")]
    [InlineData("delivery status")]
    [InlineData("subscribers counts")]
    [InlineData("digest schedule")]
    public async Task AnyVerb_ProblemsInSeveralSections_ExitsWith2ListingEveryProblem(string verb)
    {
        using var work = new TempDirectory();

        var (code, output, error) = await GatewayProcess.RunAsync(work.Path, FiveMistakes, verb.Split(' '));

        Assert.Equal(2, code);
        var lines = error.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("Site:Titl: is not a setting of Site (did you mean Title?)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Storage:BusyTimeout: 'soon' is not a time span", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Feeds:ItemCount: ", StringComparison.Ordinal) && l.Contains("between 1 and 500"));
        Assert.Contains(lines, l => l.StartsWith("Digest:TimeZone: 'Europe/Pariss' is not a known time zone", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Sitee:Title: there is no section Sitee (did you mean Site?)", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
        Assert.DoesNotContain("\"Site\"", output); // config-dump prints nothing when the settings are wrong
        Assert.False(File.Exists(work.Combine("data", "encontact.db")));
    }

    [Theory]
    [InlineData("ENCONTACT__Sitee__Title", "En-Contact", "Sitee:Title: there is no section Sitee (did you mean Site?)")]
    [InlineData("ENCONTACT__Ingestion__RescanEvery", "00:01:00", "Ingestion:RescanEvery: is not a setting of Ingestion")]
    [InlineData("ENCONTACT__Storage__BusyTimeout", "soon", "Storage:BusyTimeout: 'soon' is not a time span")]
    [InlineData("ENCONTACT__Smtp__Security", "Tls", "Smtp:Security: 'Tls' is not one of None, StartTls, SslOnConnect")]
    [InlineData("ENCONTACT__Feeds__TagFeeds", "oui", "Feeds:TagFeeds: 'oui' is not true or false")]
    [InlineData("ENCONTACT__Admin__TrustedProxies", "10.0.0.1", "Admin:TrustedProxies: is a list")]
    [InlineData("ENCONTACT__Site__Title__Short", "EC", "Site:Title:Short: Site:Title is a single value")]
    [InlineData("ENCONTACT__Logging__LogLevel__Default", "Verbose", "Logging:LogLevel:Default: 'Verbose' is not a log level")]
    [InlineData("ENCONTACT__Logging__Console__FormatterName", "jsn", "Logging:Console:FormatterName: 'jsn' is not a console formatter (simple, json, systemd)")]
    [InlineData("ENCONTACT__Logging__Console__FormatterOptions__UseUtcTimestamp", "yes", "Logging:Console:FormatterOptions:UseUtcTimestamp: 'yes' is not true or false")]
    [InlineData("ENCONTACT__Kestrel__Endpoints__Http__Url", "127.0.0.1:5080", "Kestrel:Endpoints:Http:Url: '127.0.0.1:5080' is not an http(s) address")]
    [InlineData("ENCONTACT__Kestrel__Endpoint__Http__Url", "http://127.0.0.1:5080", "Kestrel:Endpoint:Http:Url: is not a Kestrel setting (did you mean Endpoints?)")]
    [InlineData("ENCONTACT__urls", "http://127.0.0.1:5080", "urls: there is no section urls")]
    public async Task BadSetting_ExitsWith2PrintingOneSectionKeyLine(string variable, string value, string expected)
    {
        using var work = new TempDirectory();

        var (code, _, error) = await GatewayProcess.RunAsync(work.Path, [(variable, value)], "migrate");

        Assert.Equal(2, code);
        Assert.Contains(error.Split('\n', StringSplitOptions.TrimEntries), l => l.StartsWith(expected, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", error); // no stack trace
    }

    [Fact]
    public async Task HostSections_LoggingKestrelAndAllowedHosts_AreAccepted()
    {
        using var work = new TempDirectory();

        var (code, _, error) = await GatewayProcess.RunAsync(work.Path,
            [
                ("ENCONTACT__AllowedHosts", "lettre.en-contact.com;localhost"),
                ("ENCONTACT__Logging__LogLevel__Microsoft.AspNetCore", "Error"),
                ("ENCONTACT__Logging__Console__FormatterName", "Json"),
                ("ENCONTACT__Kestrel__Limits__MaxConcurrentConnections", "100"),
                ("ENCONTACT__site__title", "En-Contact"), // keys are case-insensitive, as everywhere in .NET configuration
            ], "migrate");

        Assert.True(code == 0, error);
    }

    [Fact]
    public async Task Start_ProblemsInSeveralSections_ThrowsOneExceptionListingEach()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Site:TimeZone"] = "Europe/Pariss",
            ["Feeds:ItemCount"] = "0",
            ["Storage:Nope"] = "1",
            ["Digest:MinimumItems"] = "beaucoup",
        }));

        Assert.Contains(failure.Failures, f => f.StartsWith("Site:TimeZone: 'Europe/Pariss'", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.StartsWith("Feeds:ItemCount: ", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.StartsWith("Storage:Nope: is not a setting of Storage", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.StartsWith("Digest:MinimumItems: 'beaucoup' is not a whole number", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_DkimKeyThatIsNotRsa_SaysSoBeforeAnyLetterIsSigned()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Dkim:Domain"] = "en-contact.com",
            ["Dkim:Selector"] = "lettre",
            ["Dkim:PrivateKey"] = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIGJ5dGVzIG9mIGFuIGVkMjU1MTkga2V5IGZvciB0ZXN0cw==\n-----END PRIVATE KEY-----\n",
        }));

        Assert.Contains(failure.Failures, f => f.StartsWith("Dkim:PrivateKey: the DKIM key must be an RSA private key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_Ed25519KeyWithoutTheRsaKey_IsRefused()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Dkim:Domain"] = "en-contact.com",
            ["Dkim:Ed25519PrivateKey"] = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIGJ5dGVzIG9mIGFuIGVkMjU1MTkga2V5IGZvciB0ZXN0cw==\n-----END PRIVATE KEY-----\n",
        }));

        Assert.Contains(failure.Failures, f => f.StartsWith("Dkim:Ed25519PrivateKey: an ed25519-sha256 signature only comes second", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.StartsWith("Dkim:Ed25519Selector: is required", StringComparison.Ordinal));
    }
}
