using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Bounces;

/// <summary>The Bounces:Imap settings are checked at start-up, each problem naming its key.</summary>
[Trait("Speed", "Slow")]
public sealed class BounceMailboxOptionsTests
{
    [Theory]
    [InlineData("imap.example.net", "None", "Bounces:Imap:Security: None would send the mailbox's password in clear; it is allowed only for a loopback host")]
    [InlineData("imap.example.net", "Tls", "Bounces:Imap:Security: 'Tls' is not one of SslOnConnect, StartTls, None")]
    [InlineData("imap example", "SslOnConnect", "Bounces:Imap:Host: 'imap example' is not a host name or address")]
    public async Task Start_WrongImapSetting_FailsNamingTheKey(string host, string security, string expected)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Bounces:Imap:Host"] = host,
            ["Bounces:Imap:Security"] = security,
            ["Bounces:Imap:User"] = "retours@en-contact.com",
            ["Bounces:Imap:Password"] = "secret",
        }));

        Assert.Contains(failure.Failures, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_HostWithoutLogin_FailsNamingUserAndThePasswordVariable()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Bounces:Imap:Host"] = "imap.example.net",
            ["Bounces:Imap:ReviewFolder"] = "Traitements",
        }));

        Assert.Contains("Bounces:Imap:User: is required when Bounces:Imap:Host is set", failure.Failures);
        Assert.Contains("Bounces:Imap:Password: is required when Bounces:Imap:Host is set (ENCONTACT__Bounces__Imap__Password)", failure.Failures);
        Assert.Contains(failure.Failures, f => f.StartsWith("Bounces:Imap:ReviewFolder: must differ from Bounces:Imap:ProcessedFolder", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_UnknownKeyBesideTheImapSection_IsReportedAsNoSuchSection()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Bounces:Imapp:Host"] = "imap.example.net",
            ["Bounces:Imap:Hots"] = "imap.example.net",
        }));

        Assert.Contains("Bounces:Imapp:Host: there is no section Bounces:Imapp (did you mean Imap?)", failure.Failures);
        Assert.Contains(failure.Failures, f => f.StartsWith("Bounces:Imap:Hots: is not a setting of Bounces:Imap", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("SslOnConnect", "absent.pem", "' does not exist")]
    [InlineData("SslOnConnect", "key-only.pem", "' holds no certificate (PEM: -----BEGIN CERTIFICATE-----)")]
    [InlineData("None", "key-only.pem", " has no use with Security None")]
    public async Task Start_TrustedCertificatePathThatCannotServe_FailsNamingTheKey(string security, string file, string expected)
    {
        using var folder = new TempDirectory();
        File.Copy(TestCertificates.Server(folder, "imap").KeyPath, folder.Combine("key-only.pem"));

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(start: true, folder: folder, settings: new Dictionary<string, string?>
        {
            ["Bounces:Imap:Host"] = "127.0.0.1",
            ["Bounces:Imap:Security"] = security,
            ["Bounces:Imap:TrustedCertificatePath"] = file, // relative to the content root
            ["Bounces:Imap:User"] = "retours@en-contact.com",
            ["Bounces:Imap:Password"] = "secret",
        }));

        var problem = Assert.Single(failure.Failures, f => f.StartsWith("Bounces:Imap:TrustedCertificatePath:", StringComparison.Ordinal));
        Assert.Contains(expected, problem);
        if (security != "None")
            Assert.Contains(folder.Combine(file), problem);
    }

    [Fact]
    public async Task Start_LoopbackHostWithoutTls_IsAccepted()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?>
        {
            ["Bounces:Imap:Host"] = "127.0.0.1",
            ["Bounces:Imap:Security"] = "None",
            ["Bounces:Imap:User"] = "retours",
            ["Bounces:Imap:Password"] = "secret",
        });

        Assert.Equal("127.0.0.1", gateway.Services.GetRequiredService<IOptions<EnContact.Syndication.Bounces.BounceMailboxOptions>>().Value.Host);
    }

    [Fact]
    public async Task ConfigDump_ImapPassword_IsMasked()
    {
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?> { ["Bounces:Imap:Password"] = "mot-de-passe-imap" });

        var dump = ConfigDump.Render(gateway.Services, gateway.App.Configuration);

        Assert.DoesNotContain("mot-de-passe-imap", dump);
    }
}
