using System.Net.Http.Json;
using EnContact.Syndication.Bounces;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Bounces.BounceMailboxWorkerTests;

namespace EnContact.Syndication.Tests.Bounces;

/// <summary>
/// The bounce mailbox's reader over TLS, against a real Dovecot that refuses any login without it and
/// presents a certificate made for the test: trusted through Bounces:Imap:TrustedCertificatePath (the
/// server's own, or its private authority's), or refused with a message an operator can act on.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class BounceMailboxTlsTests
{
    [Fact]
    public async Task Worker_SelfSignedCertificateTrustedThroughItsFile_ReadsOverTlsFromTheFirstByte()
    {
        using var folder = new TempDirectory();
        var certificate = TestCertificates.Server(folder, "imap");
        await using var dovecot = await TestDovecot.StartNewAsync(tls: certificate);
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("chiffre"));
        var handler = new ScriptedBounceHandler();

        await using var gateway = await StartGatewayAsync(dovecot, handler, new()
        {
            ["Bounces:Imap:Port"] = dovecot.TlsPort.ToString(),
            ["Bounces:Imap:Security"] = "SslOnConnect",
            ["Bounces:Imap:TrustedCertificatePath"] = certificate.CertificatePath,
        });
        await WaitForAsync(gateway, s => s.Handled == 1);

        Assert.Equal(["chiffre@bounces.test"], handler.Calls);
        Assert.Equal(["chiffre@bounces.test"], await dovecot.MessageIdsAsync("Traitements"));
        Assert.Equal(BounceMailboxState.Connected, gateway.Services.GetRequiredService<BounceMailboxHealth>().Current.State);
        Assert.All(await LoginsAsync(dovecot, 3), login => Assert.Contains(", TLS", login)); // the fixture's two and the gateway's
    }

    [Fact]
    public async Task Worker_CertificateOfAPrivateAuthorityTrustedThroughTheAuthoritysFile_ReadsAfterStartTls()
    {
        using var folder = new TempDirectory();
        var authority = TestCertificates.Authority(folder);
        var certificate = TestCertificates.Server(folder, "imap", authority);
        await using var dovecot = await TestDovecot.StartNewAsync(tls: certificate);
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("interne"));
        var handler = new ScriptedBounceHandler();

        await using var gateway = await StartGatewayAsync(dovecot, handler, new()
        {
            ["Bounces:Imap:Security"] = "StartTls",
            ["Bounces:Imap:TrustedCertificatePath"] = authority.CertificatePath,
        });
        await WaitForAsync(gateway, s => s.Handled == 1);

        Assert.Equal(["interne@bounces.test"], handler.Calls);
        Assert.All(await LoginsAsync(dovecot, 2), login => Assert.Contains(", TLS", login)); // the server takes no login without TLS: the gateway's came after STARTTLS
    }

    [Theory]
    [InlineData(false, "127.0.0.1", "it is issued by an authority this machine does not trust (self-signed, or a private authority)",
        "; if it is the server's own certificate or a private authority's, give that certificate (PEM) in Bounces:Imap:TrustedCertificatePath")]
    [InlineData(true, "imap.example.net", "it does not name the host of Bounces:Imap:Host", ", not even with Bounces:Imap:TrustedCertificatePath")]
    public async Task Worker_CertificateNotTrusted_IsRefusedAndHealthSaysWhyWithItsFingerprint_NothingIsRead(bool trustItsFile, string certifiedName, string why, string hint)
    {
        using var folder = new TempDirectory();
        var certificate = TestCertificates.Server(folder, "imap", null, certifiedName);
        await using var dovecot = await TestDovecot.StartNewAsync(tls: certificate);
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("attend"));
        var handler = new ScriptedBounceHandler();
        var logs = new LogCapture();

        await using var gateway = await StartGatewayAsync(dovecot, handler, new()
        {
            ["Bounces:Imap:Port"] = dovecot.TlsPort.ToString(),
            ["Bounces:Imap:Security"] = "SslOnConnect",
            ["Bounces:Imap:TrustedCertificatePath"] = trustItsFile ? certificate.CertificatePath : null,
        }, logs: logs);
        await WaitForAsync(gateway, s => s.State == BounceMailboxState.Unreachable);
        var health = await gateway.Client.GetFromJsonAsync<HealthApi.Health>("/healthz");

        var check = health!.Checks["bounce-mailbox"];
        Assert.Equal(("degraded", "degraded"), (health.Status, check.Status));
        Assert.Contains($"the server's TLS certificate is not trusted: {why} (certificate SHA-256 {string.Join(':', certificate.Sha256.Chunk(2).Select(p => new string(p)))}, valid until ", check.Description);
        Assert.Contains(hint, check.Description);
        Assert.DoesNotContain("127.0.0.1", check.Description);
        Assert.DoesNotContain(certifiedName, check.Description);
        Assert.Contains(logs.Lines, l => l.Contains($"presented a certificate for CN={certifiedName}", StringComparison.Ordinal) && l.Contains(": refused", StringComparison.Ordinal));
        Assert.Empty(handler.Calls);
        Assert.Equal(["attend@bounces.test"], await dovecot.MessageIdsAsync("INBOX"));
    }

    /// <summary>Dovecot's login lines, once there are <paramref name="count"/> of them.</summary>
    private static async Task<IReadOnlyList<string>> LoginsAsync(TestDovecot dovecot, int count) =>
        [.. (await dovecot.WaitForLogAsync(lines => lines.Count(IsLogin) >= count)).Where(IsLogin)];

    private static bool IsLogin(string line) => line.Contains("imap-login: Info: Login: ", StringComparison.Ordinal);
}
