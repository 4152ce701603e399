using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// The key messages are signed with, as a receiver would look it up: its domain (d=), selector (s=)
/// and public half, derived from the configured private key so that a signature can be checked
/// before anything is sent, without DNS.
/// </summary>
public sealed record DkimKey(string Domain, string Selector, AsymmetricKeyParameter PublicKey)
{
    /// <summary>The private key of a PEM text (PKCS#1 or PKCS#8, RSA or Ed25519) and its public half.</summary>
    public static (AsymmetricKeyParameter Private, AsymmetricKeyParameter Public) ReadPem(TextReader pem)
    {
        var read = new PemReader(pem).ReadObject();
        return read switch
        {
            AsymmetricCipherKeyPair pair => (pair.Private, pair.Public),
            RsaPrivateCrtKeyParameters rsa => (rsa, new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent)),
            Ed25519PrivateKeyParameters ed => (ed, ed.GeneratePublicKey()),
            null => throw new FormatException("no PEM private key found"),
            _ => throw new FormatException($"a PEM {read.GetType().Name} is not a private key DKIM can sign with (RSA or Ed25519)"),
        };
    }

    /// <summary>A verifier that finds this key (and only it) for this domain and selector.</summary>
    public DkimVerifier Verifier() => new(new Locator(this));

    private sealed class Locator(DkimKey key) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            domain.Equals(key.Domain, StringComparison.OrdinalIgnoreCase) && selector.Equals(key.Selector, StringComparison.OrdinalIgnoreCase)
                ? key.PublicKey
                : throw new InvalidOperationException($"no key for selector '{selector}' of '{domain}': the configured key is '{key.Selector}' of '{key.Domain}'");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
