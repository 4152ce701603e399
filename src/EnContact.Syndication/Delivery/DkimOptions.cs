using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Delivery;

/// <summary>DKIM signing of every outgoing message. Section <c>Dkim</c>. Off until a key is configured.</summary>
public sealed class DkimOptions
{
    public const string Section = "Dkim";

    /// <summary>Signing domain (d=), normally the From domain. No default.</summary>
    public string? Domain { get; set; }

    /// <summary>Selector (s=): the public key is published at &lt;selector&gt;._domainkey.&lt;domain&gt;. No default.</summary>
    public string? Selector { get; set; }

    /// <summary>PEM file holding the RSA private key (PKCS#1 or PKCS#8), relative to the content root. No default.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>The RSA private key itself, as PEM text (e.g. from ENCONTACT__Dkim__PrivateKey); wins over the path. No default.</summary>
    [Secret]
    public string? PrivateKey { get; set; }

    /// <summary>Selector of an optional second signature, ed25519-sha256 (RFC 8463), added next to the RSA one, never instead of it. No default.</summary>
    public string? Ed25519Selector { get; set; }

    /// <summary>PEM file holding the Ed25519 private key of that second signature, relative to the content root. No default.</summary>
    public string? Ed25519PrivateKeyPath { get; set; }

    /// <summary>The Ed25519 private key itself, as PEM text (e.g. from ENCONTACT__Dkim__Ed25519PrivateKey); wins over the path. No default.</summary>
    [Secret]
    public string? Ed25519PrivateKey { get; set; }

    public bool IsEnabled => !string.IsNullOrWhiteSpace(PrivateKey) || !string.IsNullOrWhiteSpace(PrivateKeyPath);

    public bool HasEd25519 => !string.IsNullOrWhiteSpace(Ed25519PrivateKey) || !string.IsNullOrWhiteSpace(Ed25519PrivateKeyPath);
}
