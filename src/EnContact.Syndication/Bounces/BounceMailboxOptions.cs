using System.ComponentModel.DataAnnotations;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Bounces;

/// <summary>How TLS is used on the IMAP connection.</summary>
public enum ImapSecurity
{
    /// <summary>TLS from the first byte (port 993).</summary>
    SslOnConnect,
    /// <summary>Plain connection upgraded with STARTTLS (port 143); fails if the server does not offer it.</summary>
    StartTls,
    /// <summary>No TLS at all: the password travels in clear, so only for a server on this machine.</summary>
    None,
}

/// <summary>
/// The mailbox that bounces, complaints and mailed unsubscribe requests come back to, read over IMAP.
/// Section <c>Bounces:Imap</c>. With no <see cref="Host"/>, nothing is read.
/// </summary>
public sealed class BounceMailboxOptions
{
    public const string Section = "Bounces:Imap";

    /// <summary>IMAP server host name; empty means "do not read a bounce mailbox". Default empty.</summary>
    public string? Host { get; set; }

    /// <summary>IMAP port. Default 993.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 993;

    /// <summary>SslOnConnect, StartTls or None (None only for a loopback host). Default SslOnConnect.</summary>
    public ImapSecurity Security { get; set; } = ImapSecurity.SslOnConnect;

    /// <summary>
    /// A PEM file with the certificate to trust for this server besides the system's authorities: the
    /// server's own (self-signed) or the private authority's that issued it. The certificate must still
    /// name the host, and be valid today. Relative to the content root. Default empty: the system's authorities only.
    /// </summary>
    public string? TrustedCertificatePath { get; set; }

    /// <summary>Login of the mailbox. No default; required with a host.</summary>
    public string? User { get; set; }

    /// <summary>Password of the mailbox. No default; set it from the environment (ENCONTACT__Bounces__Imap__Password).</summary>
    [Secret]
    public string? Password { get; set; }

    /// <summary>The folder the returned mail arrives in and is read from. Default INBOX.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Folder { get; set; } = "INBOX";

    /// <summary>Where a message the handler understood is moved (created when missing). Default Traitements.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ProcessedFolder { get; set; } = "Traitements";

    /// <summary>Where a message for a person to look at is moved (created when missing). Default A-verifier.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ReviewFolder { get; set; } = "A-verifier";

    /// <summary>How often the folder is looked at when the server has no IMAP IDLE. Default 1 minute.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one IDLE lasts before it is renewed (servers drop an IDLE after 30 minutes; some NATs sooner). Default 9 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "00:29:00")]
    public TimeSpan IdleRefresh { get; set; } = TimeSpan.FromMinutes(9);

    /// <summary>Largest message fetched and handed over; a bigger one goes to the review folder unread. Default 10 MiB.</summary>
    [Range(1024, 512 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 10 * 1024 * 1024;

    public bool IsEnabled => !string.IsNullOrWhiteSpace(Host);
}
