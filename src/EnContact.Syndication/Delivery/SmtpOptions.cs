using EnContact.Syndication.Storage;
using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Delivery;

/// <summary>How TLS is used on the SMTP connection.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain SMTP (a relay on localhost or a private network).</summary>
    None,
    /// <summary>Upgrade with STARTTLS; fail if the server does not offer it.</summary>
    StartTls,
    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,
}

/// <summary>The SMTP relay. Section <c>Smtp</c>. With no <see cref="Host"/>, mail goes to the pickup folder instead.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    /// <summary>Relay host name; empty means "no relay: write .eml files to Delivery:PickupPath". Default empty.</summary>
    public string? Host { get; set; }

    /// <summary>Relay port. Default 587.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>None, StartTls or SslOnConnect. Default StartTls.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>User name for AUTH; empty for none. Default empty.</summary>
    public string? Username { get; set; }

    /// <summary>Password for AUTH. No default; set it from the environment (ENCONTACT__Smtp__Password).</summary>
    [Secret]
    public string? Password { get; set; }

    /// <summary>Connections kept open to the relay, each sending many messages. Default 4.</summary>
    [Range(1, 64)]
    public int Connections { get; set; } = 4;

    /// <summary>Messages per second across all connections (the relay's limit); 0 for no limit. Default 0.</summary>
    [Range(0, 100_000)]
    public int MessagesPerSecond { get; set; }

    /// <summary>What the pace is multiplied by when the relay answers with a throttling reply (at most once a second). Default 0.5.</summary>
    [Range(0.1, 0.9)]
    public double ThrottleFactor { get; set; } = 0.5;

    /// <summary>The slowest pace throttling brings the relay (or a domain) down to, in messages per second. Default 1.</summary>
    [Range(0.01, 1000.0)]
    public double MinMessagesPerSecond { get; set; } = 1;

    /// <summary>Messages per second the pace gains back after each <see cref="RecoveryInterval"/> of sending without a throttling reply. Default 1.</summary>
    [Range(0.01, 100_000.0)]
    public double RecoveryStep { get; set; } = 1;

    /// <summary>How long the pace must send without a throttling reply before it gains <see cref="RecoveryStep"/>. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for any one SMTP reply (per-message timeout). Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Immediate retries of a transient failure, after reconnecting (then the message waits in the outbox). Default 3.</summary>
    [Range(0, 10)]
    public int RetryAttempts { get; set; } = 3;

    /// <summary>First retry delay; doubles each time, with jitter. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Share of failed sends (over at least 10 in 30 s) that opens the circuit and pauses every sender. Default 0.5.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>How long the circuit stays open before one probe is let through. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// MailKit's protocol log (every command and reply, for troubleshooting), one file per connection
    /// (<c>smtp.log</c> → <c>smtp.1.log</c>, <c>smtp.2.log</c>…), relative to the content root; empty for none. Default empty.
    /// </summary>
    public string? ProtocolLogPath { get; set; }
}
