using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EnContact.Syndication.Bounces;

/// <summary>
/// Whether the IMAP server's certificate is trusted: what the system's authorities trust, or what
/// chains to <c>Bounces:Imap:TrustedCertificatePath</c> (the server's own certificate, or its private
/// authority's) — always for the host the reader connects to, and valid today. A refused certificate
/// is described in words an operator can act on, with its fingerprint but without the host or its
/// names (the description goes to <c>/healthz</c>).
/// </summary>
internal sealed class ImapCertificateTrust(string? trustedCertificatePath)
{
    private readonly X509Certificate2Collection? _trusted = string.IsNullOrWhiteSpace(trustedCertificatePath) ? null : Load(trustedCertificatePath);

    /// <summary>Why the certificate of the last handshake was refused; null when it was not.</summary>
    public string? Refusal { get; private set; }

    /// <summary>The certificate of the last refusal, for the log (its names may be the host's); read during the handshake, which disposes of it after.</summary>
    public (string Subject, string Issuer, string Fingerprint)? Refused { get; private set; }

    /// <summary>MailKit's <c>ServerCertificateValidationCallback</c>.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        (Refusal, Refused) = (null, null);
        if (errors == SslPolicyErrors.None)
            return true;
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            Refusal = "the server presented no TLS certificate";
            return false;
        }
        var server = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var reasons = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            reasons.Add("it does not name the host of Bounces:Imap:Host");
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
            reasons.AddRange((_trusted is null ? chain?.ChainStatus ?? [] : ChainToTrusted(server, chain))
                .Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().Select(Words));
        if (reasons.Count == 0)
            return true; // the system's chain failed, the trusted certificate's holds
        Refused = (server.Subject, server.Issuer, Fingerprint(server));
        Refusal = $"the server's TLS certificate is not trusted: {string.Join("; ", reasons)} (certificate SHA-256 {Fingerprint(server)}, valid until {server.NotAfter.ToUniversalTime():yyyy-MM-dd})" +
            (_trusted is null
                ? "; if it is the server's own certificate or a private authority's, give that certificate (PEM) in Bounces:Imap:TrustedCertificatePath"
                : ", not even with Bounces:Imap:TrustedCertificatePath");
        return false;
    }

    /// <summary>What is wrong with a trusted-certificate file (null when it holds at least one certificate).</summary>
    public static string? Problem(string path)
    {
        if (!File.Exists(path))
            return $"'{path}' does not exist";
        try
        {
            return Load(path).Count == 0 ? $"'{path}' holds no certificate (PEM: -----BEGIN CERTIFICATE-----)" : null;
        }
        catch (CryptographicException e)
        {
            return $"'{path}' cannot be read as PEM certificates: {e.Message}";
        }
    }

    /// <summary>"AB:CD:…", as <c>openssl x509 -noout -fingerprint -sha256</c> prints it.</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)).Chunk(2).Select(pair => new string(pair)));

    private static X509Certificate2Collection Load(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates;
    }

    /// <summary>
    /// The server's chain built again with the trusted certificates as its only roots (and whatever
    /// intermediates the server sent). A private authority seldom publishes revocation lists: none is checked.
    /// </summary>
    private X509ChainStatus[] ChainToTrusted(X509Certificate2 server, X509Chain? sent)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trusted!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        foreach (var element in sent?.ChainElements.Skip(1) ?? [])
            chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (chain.Build(server))
            return [];
        return chain.ChainStatus is { Length: > 0 } statuses ? statuses : [new X509ChainStatus { Status = X509ChainStatusFlags.PartialChain }];
    }

    private static string Words(X509ChainStatusFlags status) => status switch
    {
        X509ChainStatusFlags.UntrustedRoot => "it is issued by an authority this machine does not trust (self-signed, or a private authority)",
        X509ChainStatusFlags.PartialChain => "its issuer is unknown here (a private authority, or the server does not send its intermediate certificates)",
        X509ChainStatusFlags.NotTimeValid => "it has expired or is not valid yet",
        X509ChainStatusFlags.Revoked => "it has been revoked",
        X509ChainStatusFlags.RevocationStatusUnknown or X509ChainStatusFlags.OfflineRevocation => "whether it was revoked could not be checked",
        X509ChainStatusFlags.NotSignatureValid => "its signature is not valid",
        _ => $"its chain fails ({status})",
    };
}

/// <summary>The IMAP server's certificate was refused; the message says why (see <see cref="ImapCertificateTrust"/>).</summary>
internal sealed class ImapCertificateRefusedException(string message, Exception inner) : Exception(message, inner);
