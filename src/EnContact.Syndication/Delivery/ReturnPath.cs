using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EnContact.Syndication.Delivery;

/// <summary>What an address says about the return path's token in it.</summary>
public enum ReturnPathToken
{
    /// <summary>Not the return path, or the return path without a token.</summary>
    None,
    /// <summary>A token we signed: it names one message.</summary>
    Valid,
    /// <summary>The return path with a token we did not sign (altered, forged, or an earlier secret).</summary>
    Forged,
}

/// <summary>
/// The envelope sender of each message when <see cref="DeliveryOptions.ReturnPath"/> is set (VERP):
/// <c>rebonds+&lt;token&gt;@domain</c>, where the token is the message's Message-ID hash (16 bytes)
/// and the first 8 bytes of an HMAC-SHA256 over it, in lower-case base32 (39 characters): whatever
/// comes back to that address names its message, and nobody can make an address that names another.
/// </summary>
public sealed class ReturnPath
{
    private const int HashBytes = 16;
    private const int MacBytes = 8;

    /// <summary>Characters of a token.</summary>
    public static readonly int TokenLength = Base32Text.EncodedLength(HashBytes + MacBytes);

    private readonly byte[]? _key;
    private readonly string _messageIdDomain;

    public ReturnPath(IOptions<DeliveryOptions> options)
    {
        var settings = options.Value;
        _messageIdDomain = settings.MessageIdDomain;
        if (string.IsNullOrWhiteSpace(settings.ReturnPath) || !MailInput.TryNormalizeAddress("ReturnPath", settings.ReturnPath, out var address, out _))
            return;
        Address = address;
        _key = Encoding.UTF8.GetBytes(settings.ReturnPathSecret ?? "");
    }

    /// <summary>The bounce mailbox (normalised), or null when the envelope sender is From.</summary>
    public string? Address { get; }

    /// <summary>The envelope sender for the message <paramref name="messageId"/>; null when no return path is set (MailKit then uses From).</summary>
    public MailboxAddress? EnvelopeSenderFor(string messageId)
    {
        if (Address is null)
            return null;
        Span<byte> token = stackalloc byte[HashBytes + MacBytes];
        var at = messageId.IndexOf('@');
        if (at != HashBytes * 2 || Convert.FromHexString(messageId.AsSpan(0, at), token[..HashBytes], out _, out _) != OperationStatus.Done)
            return new MailboxAddress("", Address); // not one of our deterministic IDs: bounces still come to the mailbox
        Sign(token[..HashBytes], token[HashBytes..]);
        return new MailboxAddress("", TaggedAddress.With(Address, Base32Text.Encode(token)));
    }

    /// <summary>Whether <paramref name="address"/> is the return path with a token of ours; if so, the Message-ID it names.</summary>
    public ReturnPathToken Read(string? address, out string? messageId)
    {
        messageId = null;
        if (Address is null || TaggedAddress.TagOf(address, Address) is not { } tag)
            return ReturnPathToken.None;
        Span<byte> token = stackalloc byte[HashBytes + MacBytes];
        Span<byte> expected = stackalloc byte[MacBytes];
        if (!Base32Text.TryDecode(tag, token))
            return ReturnPathToken.Forged;
        Sign(token[..HashBytes], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, token[HashBytes..]))
            return ReturnPathToken.Forged;
        messageId = $"{Convert.ToHexStringLower(token[..HashBytes])}@{_messageIdDomain}";
        return ReturnPathToken.Valid;
    }

    private void Sign(ReadOnlySpan<byte> hash, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(_key, hash, full);
        full[..MacBytes].CopyTo(destination);
    }

    internal static IEnumerable<string> Problems(DeliveryOptions delivery)
    {
        if (string.IsNullOrWhiteSpace(delivery.ReturnPath))
            yield break;
        if (!MailInput.TryNormalizeAddress("ReturnPath", delivery.ReturnPath, out var address, out var error))
            yield return error;
        else if (TaggedAddress.Problem("ReturnPath", address, TokenLength) is { } problem)
            yield return problem;
        if ((delivery.ReturnPathSecret?.Length ?? 0) < 32)
            yield return "ReturnPathSecret: at least 32 characters are required when Delivery:ReturnPath is set (ENCONTACT__Delivery__ReturnPathSecret)";
    }
}
