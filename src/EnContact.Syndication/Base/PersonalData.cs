using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace EnContact.Syndication.Base;

/// <summary>
/// How addresses appear where they must not be readable: logs show <see cref="LogId"/>, erased people
/// leave only <see cref="AddressHash"/>. Both are an HMAC-SHA256 of the normalised address under
/// <c>PersonalData:HashKey</c>: the same person gives the same value (an operator can still find
/// "their" lines in a log, an erased address stays suppressed across restarts), but without the key
/// nobody can test candidate addresses against a label.
/// </summary>
public sealed partial class PersonalData(PersonalDataKey key)
{
    private const string LegacyDomain = "encontact-address:";
    private readonly byte[] _key = Encoding.UTF8.GetBytes(key.Value);

    /// <summary>HMAC-SHA256 of the normalised address under the configured key (64 hex digits).</summary>
    public string AddressHash(string normalizedAddress) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(normalizedAddress)));

    /// <summary>
    /// The unkeyed SHA-256 that erasures recorded before the hash was keyed. Such hashes cannot be
    /// rekeyed (the addresses are gone), so lookups still match them; nothing new is written this way.
    /// </summary>
    public static string LegacyAddressHash(string normalizedAddress) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(LegacyDomain + normalizedAddress)));

    /// <summary>A short, stable, non-reversible label for logs: "addr:3f2a9c1b04de".</summary>
    public string LogId(string normalizedAddress) => "addr:" + AddressHash(normalizedAddress)[..12];

    /// <summary>
    /// Free text for a log (a relay's reply such as "550 5.1.1 &lt;marie@exemple.fr&gt;: unknown user") with
    /// every address in it replaced by its <see cref="LogId"/>.
    /// </summary>
    public string Redact(string text) =>
        AddressPattern().Replace(text, match => LogId(match.Value.ToLowerInvariant()));

    [GeneratedRegex(@"[^\s<>""'(),;:@\[\]]+@[^\s<>""'(),;:@\[\]]+\.[^\s<>""'(),;:@\[\]]+")]
    private static partial Regex AddressPattern();
}

/// <summary>The key in use: from configuration, or (Development only) one kept in <c>data/keys</c>.</summary>
public sealed record PersonalDataKey(string Value);
