using System.Security.Cryptography;
using System.Text;

namespace EnContact.Syndication.Hosting;

/// <summary>
/// How addresses appear where they must not be readable: logs show <see cref="LogId"/>, erased people
/// leave only <see cref="AddressHash"/>. Both are derived from the normalised address, so the same
/// person gives the same value and an operator can still find "their" lines in a log.
/// </summary>
public static class PersonalData
{
    private const string Domain = "encontact-address:";

    /// <summary>SHA-256 of the normalised address (64 hex digits).</summary>
    public static string AddressHash(string normalizedAddress) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Domain + normalizedAddress)));

    /// <summary>A short, stable, non-reversible label for logs: "addr:3f2a9c1b04de".</summary>
    public static string LogId(string normalizedAddress) => "addr:" + AddressHash(normalizedAddress)[..12];
}
