using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace EnContact.Syndication.Members;

/// <summary>The secret the private feed tokens are derived from: configured, or (Development only) kept in a file.</summary>
public sealed record MemberFeedSecret(string Value);

/// <summary>
/// A member's private feed token is base64url(HMAC-SHA256(secret, nonce)): 43 characters, 256 bits.
/// The database keeps the nonce and SHA-256(token), so a copy of it alone gives no working URL, while
/// the gateway can show the URL again on the member's preferences page. Client addresses are kept as
/// an HMAC under the same secret (another purpose label), never raw.
/// </summary>
public sealed class MemberFeedTokens(MemberFeedSecret secret)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret.Value);

    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public string TokenFor(string nonce) =>
        WebEncoders.Base64UrlEncode(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("feed-token:" + nonce)));

    /// <summary>What the database keeps and looks a request up by (64 hex digits).</summary>
    public static string HashOf(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public string HashFor(string nonce) => HashOf(TokenFor(nonce));

    /// <summary>Names the secret without revealing it, so rows hashed under an earlier secret are found and re-hashed.</summary>
    public string KeyId => Convert.ToHexStringLower(HMACSHA256.HashData(_key, "key-id"u8))[..16];

    /// <summary>A keyed hash of a client address: distinct clients can be counted, addresses cannot be read back.</summary>
    public string ClientHash(string clientAddress) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("client:" + clientAddress)));

    /// <summary>A token's shape (43 base64url characters), checked before any lookup.</summary>
    public static bool LooksLikeToken(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
