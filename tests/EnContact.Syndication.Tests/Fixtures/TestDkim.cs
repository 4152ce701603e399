using System.Security.Cryptography;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// One DKIM key for the test run (made once: RSA key generation is slow), for the From domain the
/// gateway uses by default, so that mail sent through a test relay is signed as in production.
/// </summary>
public static class TestDkim
{
    public const string Domain = "en-contact.com";
    public const string Selector = "test";

    private static readonly Lazy<RSA> Key = new(() => RSA.Create(2048));

    public static RSA Rsa => Key.Value;

    public static string PrivateKeyPem => Key.Value.ExportRSAPrivateKeyPem();
}
