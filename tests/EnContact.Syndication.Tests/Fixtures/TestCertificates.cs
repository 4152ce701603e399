using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>A certificate made for one test, and the PEM files a server (and a client that trusts it) read.</summary>
public sealed record TestCertificate(X509Certificate2 Certificate, string CertificatePath, string KeyPath)
{
    public string Sha256 => Certificate.GetCertHashString(HashAlgorithmName.SHA256);
}

/// <summary>
/// Throwaway TLS certificates, made with .NET's <see cref="CertificateRequest"/> in a test's folder: a
/// private certificate authority, a server certificate it issues, or a self-signed server certificate.
/// Server certificates name 127.0.0.1 and localhost unless told otherwise. Nothing is installed anywhere.
/// </summary>
public static class TestCertificates
{
    private static readonly DateTimeOffset NotBefore = DateTimeOffset.UtcNow.AddDays(-1);
    private static readonly DateTimeOffset NotAfter = DateTimeOffset.UtcNow.AddDays(30);

    /// <summary>A certificate authority of our own ("En-Contact test CA").</summary>
    public static TestCertificate Authority(TempDirectory folder, string name = "ca")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=En-Contact test CA, O=En-Contact tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return Write(folder, name, request.CreateSelfSigned(NotBefore, NotAfter.AddDays(30)), key);
    }

    /// <summary>A server certificate for <paramref name="names"/> (IP addresses or DNS names), issued by <paramref name="issuer"/>, else self-signed.</summary>
    public static TestCertificate Server(TempDirectory folder, string name, TestCertificate? issuer = null, params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + (names.Length > 0 ? names[0] : "localhost") + ", O=En-Contact tests", key, HashAlgorithmName.SHA256);
        var alternativeNames = new SubjectAlternativeNameBuilder();
        foreach (var entry in names.Length > 0 ? names : ["127.0.0.1", "localhost"])
        {
            if (IPAddress.TryParse(entry, out var address))
                alternativeNames.AddIpAddress(address);
            else
                alternativeNames.AddDnsName(entry);
        }
        request.CertificateExtensions.Add(alternativeNames.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // TLS server
        X509Certificate2 certificate;
        if (issuer is null)
            certificate = request.CreateSelfSigned(NotBefore, NotAfter);
        else
        {
            using var issuerKey = issuer.Certificate.GetECDsaPrivateKey()!;
            var serial = RandomNumberGenerator.GetBytes(16);
            serial[0] &= 0x7F;
            using var issued = request.Create(issuer.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), NotBefore, NotAfter, serial);
            certificate = issued.CopyWithPrivateKey(key);
        }
        return Write(folder, name, certificate, key);
    }

    private static TestCertificate Write(TempDirectory folder, string name, X509Certificate2 certificate, ECDsa key)
    {
        var certificatePath = folder.Combine(name + ".crt.pem");
        var keyPath = folder.Combine(name + ".key.pem");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        return new TestCertificate(certificate, certificatePath, keyPath);
    }
}
