using System.Net;

namespace EnContact.Syndication.Bounces;

/// <summary>
/// The bounce mailbox's reader. What understands each message is another part, registered as an
/// <see cref="IBounceMailHandler"/>; without one the reader does not start.
/// </summary>
public static class BounceMailboxSetup
{
    public static IServiceCollection AddBounceMailbox(this IServiceCollection services)
    {
        services.AddSectionOptions<BounceMailboxOptions>(BounceMailboxOptions.Section, Rules);
        services.AddSingleton<Microsoft.Extensions.Options.IPostConfigureOptions<BounceMailboxOptions>, ResolveCertificatePath>();
        services.AddSingleton<BounceMailboxHealth>();
        services.AddHealthChecks().AddCheck<BounceMailboxHealth>("bounce-mailbox");
        services.AddSingleton<BounceMailboxWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<BounceMailboxWorker>());
        return services;
    }

    private static IEnumerable<string> Rules(BounceMailboxOptions imap)
    {
        if (!imap.IsEnabled)
            yield break;
        if (Uri.CheckHostName(imap.Host) == UriHostNameType.Unknown)
            yield return $"Host: '{imap.Host}' is not a host name or address";
        else if (imap.Security == ImapSecurity.None && !IsLoopback(imap.Host!))
            yield return $"Security: None would send the mailbox's password in clear; it is allowed only for a loopback host (localhost, 127.0.0.1, ::1), not '{imap.Host}': use SslOnConnect or StartTls";
        if (!string.IsNullOrWhiteSpace(imap.TrustedCertificatePath))
        {
            if (imap.Security == ImapSecurity.None)
                yield return "TrustedCertificatePath: has no use with Security None (no TLS, no certificate): use SslOnConnect or StartTls, or remove it";
            else if (ImapCertificateTrust.Problem(imap.TrustedCertificatePath) is { } problem)
                yield return $"TrustedCertificatePath: {problem}";
        }
        if (string.IsNullOrWhiteSpace(imap.User))
            yield return "User: is required when Bounces:Imap:Host is set";
        if (string.IsNullOrEmpty(imap.Password))
            yield return "Password: is required when Bounces:Imap:Host is set (ENCONTACT__Bounces__Imap__Password)";
        if (SameFolder(imap.ProcessedFolder, imap.Folder) || SameFolder(imap.ReviewFolder, imap.Folder))
            yield return $"ProcessedFolder, ReviewFolder: must differ from Bounces:Imap:Folder ('{imap.Folder}'), or messages would be read again";
        if (SameFolder(imap.ProcessedFolder, imap.ReviewFolder))
            yield return $"ReviewFolder: must differ from Bounces:Imap:ProcessedFolder ('{imap.ProcessedFolder}'), or nothing would tell what needs a person";
    }

    private sealed class ResolveCertificatePath(IHostEnvironment environment) : Microsoft.Extensions.Options.IPostConfigureOptions<BounceMailboxOptions>
    {
        public void PostConfigure(string? name, BounceMailboxOptions options)
        {
            if (!string.IsNullOrWhiteSpace(options.TrustedCertificatePath))
                options.TrustedCertificatePath = Path.GetFullPath(options.TrustedCertificatePath, environment.ContentRootPath);
        }
    }

    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    // INBOX is case-insensitive in IMAP; other names are compared as the server would, exactly.
    private static bool SameFolder(string a, string b) =>
        string.Equals(a, b, StringComparison.Ordinal)
        || (string.Equals(a, "INBOX", StringComparison.OrdinalIgnoreCase) && string.Equals(b, "INBOX", StringComparison.OrdinalIgnoreCase));
}
