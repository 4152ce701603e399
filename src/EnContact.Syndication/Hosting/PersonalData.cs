using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace EnContact.Syndication.Hosting;

/// <summary>
/// How addresses appear where they must not be readable: logs show <see cref="LogId"/>, erased people
/// leave only <see cref="AddressHash"/>. Both are derived from the normalised address, so the same
/// person gives the same value and an operator can still find "their" lines in a log.
/// </summary>
public static partial class PersonalData
{
    private const string Domain = "encontact-address:";

    /// <summary>SHA-256 of the normalised address (64 hex digits).</summary>
    public static string AddressHash(string normalizedAddress) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Domain + normalizedAddress)));

    /// <summary>A short, stable, non-reversible label for logs: "addr:3f2a9c1b04de".</summary>
    public static string LogId(string normalizedAddress) => "addr:" + AddressHash(normalizedAddress)[..12];

    /// <summary>
    /// Free text for a log (a relay's reply such as "550 5.1.1 &lt;marie@exemple.fr&gt;: unknown user") with
    /// every address in it replaced by its <see cref="LogId"/>.
    /// </summary>
    public static string Redact(string text) =>
        AddressPattern().Replace(text, match => LogId(match.Value.ToLowerInvariant()));

    [GeneratedRegex(@"[^\s<>""'(),;:@\[\]]+@[^\s<>""'(),;:@\[\]]+\.[^\s<>""'(),;:@\[\]]+")]
    private static partial Regex AddressPattern();
}
