using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>What a link lets its holder do; a token for one purpose is refused for another.</summary>
public enum TokenPurpose : byte
{
    Confirm = 1,
    Unsubscribe = 2,
    Preferences = 3,
}

public enum TokenState
{
    Valid,
    /// <summary>Signed by us, but too old: the page may offer a new link.</summary>
    Expired,
    /// <summary>Not ours, altered, truncated, or for another purpose.</summary>
    Invalid,
}

/// <summary>What a valid (or expired) token says.</summary>
public readonly record struct TokenClaims(TokenPurpose Purpose, string SubscriberId, DateTimeOffset ExpiresAt, string Nonce);

/// <summary>
/// Signed, expiring link tokens: version, purpose, subscriber id (16 bytes), expiry (Unix seconds) and
/// a nonce (8 bytes; the confirm link's one-time value), followed by the first 16 bytes of
/// HMAC-SHA256 over them, base64url (67 characters). Nothing secret is inside, only unforgeable.
/// Verification is constant-time and tries the current secret, then the previous ones (rotation).
/// </summary>
public sealed class SubscriberTokens
{
    private const byte Version = 1;
    private const int PayloadLength = 1 + 1 + 16 + 8 + 8;
    private const int MacLength = 16;

    private readonly byte[] _key;
    private readonly byte[][] _previousKeys;
    private readonly TimeProvider _time;

    public SubscriberTokens(IOptions<SubscribersOptions> options, TokenSecret secret, TimeProvider time)
    {
        _key = Encoding.UTF8.GetBytes(secret.Value);
        _previousKeys = options.Value.PreviousTokenSecrets.Select(Encoding.UTF8.GetBytes).ToArray();
        _time = time;
    }

    public string Create(TokenPurpose purpose, string subscriberId, TimeSpan lifetime, string? nonce = null)
    {
        Span<byte> token = stackalloc byte[PayloadLength + MacLength];
        token[0] = Version;
        token[1] = (byte)purpose;
        if (subscriberId.Length != 32 || Convert.FromHexString(subscriberId, token.Slice(2, 16), out _, out _) != OperationStatus.Done)
            throw new ArgumentException($"'{subscriberId}' is not a subscriber id (32 hex digits)", nameof(subscriberId));
        BinaryPrimitives.WriteInt64BigEndian(token.Slice(18, 8), (_time.GetUtcNow() + lifetime).ToUnixTimeSeconds());
        if (nonce is not null && (nonce.Length != 16 || Convert.FromHexString(nonce, token.Slice(26, 8), out _, out _) != OperationStatus.Done))
            throw new ArgumentException($"'{nonce}' is not a nonce (16 hex digits)", nameof(nonce));
        Sign(_key, token[..PayloadLength], token[PayloadLength..]);
        return WebEncoders.Base64UrlEncode(token.ToArray());
    }

    public TokenState Read(string? text, TokenPurpose purpose, out TokenClaims claims)
    {
        claims = default;
        // 67 base64url characters; anything else is refused before decoding.
        if (text is null || text.Length != 67)
            return TokenState.Invalid;
        byte[] token;
        try
        {
            token = WebEncoders.Base64UrlDecode(text);
        }
        catch (FormatException)
        {
            return TokenState.Invalid;
        }
        if (token.Length != PayloadLength + MacLength || token[0] != Version || token[1] != (byte)purpose)
            return TokenState.Invalid;

        var payload = token.AsSpan(0, PayloadLength);
        var mac = token.AsSpan(PayloadLength);
        Span<byte> expected = stackalloc byte[MacLength];
        var signed = false;
        foreach (var key in _previousKeys.Prepend(_key))
        {
            Sign(key, payload, expected);
            signed |= CryptographicOperations.FixedTimeEquals(expected, mac);
        }
        if (!signed)
            return TokenState.Invalid;

        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(payload.Slice(18, 8)));
        claims = new TokenClaims(purpose, Convert.ToHexStringLower(payload.Slice(2, 16)), expires, Convert.ToHexStringLower(payload.Slice(26, 8)));
        return _time.GetUtcNow() >= expires ? TokenState.Expired : TokenState.Valid;
    }

    // The compact form: a marker byte (0x20 + purpose), subscriber id (16 bytes), expiry in days since
    // 1970 (2 bytes), the first 8 bytes of the HMAC: 27 bytes, 44 lower-case base32 characters, short
    // enough for the local part of an address (at most 64 characters) and immune to its case folding.
    private const byte CompactMarker = 0x20;
    private const int CompactPayloadLength = 1 + 16 + 2;
    private const int CompactMacLength = 8;

    /// <summary>Characters of a compact token.</summary>
    public static readonly int CompactLength = Base32Text.EncodedLength(CompactPayloadLength + CompactMacLength);

    /// <summary>
    /// A token for an address rather than a link (the mailto: of List-Unsubscribe): lower-case, 44
    /// characters, expiring on a day boundary; same secrets, refused for another purpose.
    /// </summary>
    public string CreateCompact(TokenPurpose purpose, string subscriberId, TimeSpan lifetime)
    {
        Span<byte> token = stackalloc byte[CompactPayloadLength + CompactMacLength];
        token[0] = (byte)(CompactMarker + (byte)purpose);
        if (subscriberId.Length != 32 || Convert.FromHexString(subscriberId, token.Slice(1, 16), out _, out _) != OperationStatus.Done)
            throw new ArgumentException($"'{subscriberId}' is not a subscriber id (32 hex digits)", nameof(subscriberId));
        var days = (int)Math.Ceiling((_time.GetUtcNow() + lifetime).ToUnixTimeSeconds() / 86_400.0);
        BinaryPrimitives.WriteUInt16BigEndian(token.Slice(17, 2), (ushort)Math.Min(days, ushort.MaxValue));
        SignCompact(_key, token[..CompactPayloadLength], token[CompactPayloadLength..]);
        return Base32Text.Encode(token);
    }

    /// <summary>Reads a compact token (either case); the nonce of its claims is empty.</summary>
    public TokenState ReadCompact(string? text, TokenPurpose purpose, out TokenClaims claims)
    {
        claims = default;
        Span<byte> token = stackalloc byte[CompactPayloadLength + CompactMacLength];
        if (text is null || !Base32Text.TryDecode(text, token) || token[0] != CompactMarker + (byte)purpose)
            return TokenState.Invalid;
        var payload = token[..CompactPayloadLength];
        Span<byte> expected = stackalloc byte[CompactMacLength];
        var signed = false;
        foreach (var key in _previousKeys.Prepend(_key))
        {
            SignCompact(key, payload, expected);
            signed |= CryptographicOperations.FixedTimeEquals(expected, token[CompactPayloadLength..]);
        }
        if (!signed)
            return TokenState.Invalid;
        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt16BigEndian(payload.Slice(17, 2)) * 86_400L);
        claims = new TokenClaims(purpose, Convert.ToHexStringLower(payload.Slice(1, 16)), expires, "");
        return _time.GetUtcNow() >= expires ? TokenState.Expired : TokenState.Valid;
    }

    private static void SignCompact(byte[] key, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(key, payload, full);
        full[..CompactMacLength].CopyTo(destination);
    }

    private static void Sign(byte[] key, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(key, payload, full);
        full[..MacLength].CopyTo(destination);
    }
}

/// <summary>The secret in use: from configuration, or (Development only) one kept in the data folder.</summary>
public sealed record TokenSecret(string Value);
