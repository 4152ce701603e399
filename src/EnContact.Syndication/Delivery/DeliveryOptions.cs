using System.ComponentModel.DataAnnotations;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Delivery;

/// <summary>The delivery engine: sender identity, list headers, outbox workers. Section <c>Delivery</c>.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Delivery";

    /// <summary>From address of every message (name and address). Default "En-Contact &lt;newsletter@en-contact.com&gt;".</summary>
    [Required(AllowEmptyStrings = false)]
    public string From { get; set; } = "En-Contact <newsletter@en-contact.com>";

    /// <summary>Domain of the deterministic Message-IDs (&lt;hash@domain&gt;). Default <c>en-contact.com</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string MessageIdDomain { get; set; } = "en-contact.com";

    /// <summary>List-Id of bulk mail (RFC 2919). Default "La lettre d’En-Contact &lt;lettre.en-contact.com&gt;".</summary>
    [Required(AllowEmptyStrings = false)]
    public string ListId { get; set; } = "La lettre d’En-Contact <lettre.en-contact.com>";

    /// <summary>Mailbox that unsubscribes whoever writes to it (the mailto: in List-Unsubscribe); empty for none. Default empty.</summary>
    public string? UnsubscribeMailbox { get; set; }

    /// <summary>
    /// Bounce mailbox of our own (e.g. <c>rebonds@lettre.en-contact.com</c>): each message's envelope
    /// sender becomes <c>rebonds+&lt;token&gt;@…</c> (VERP), the token naming the message, so that
    /// reports come back to it and are matched to their message. Empty: the envelope sender is From. Default empty.
    /// </summary>
    public string? ReturnPath { get; set; }

    /// <summary>Secret that signs the return path's tokens (HMAC-SHA256), at least 32 characters; required with <see cref="ReturnPath"/>. No default.</summary>
    [Secret]
    public string? ReturnPathSecret { get; set; }

    /// <summary>Folder of .eml files used when no SMTP host is set. Default <c>outbox</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string PickupPath { get; set; } = "outbox";

    /// <summary>Messages a worker claims at a time (measured: 50 → 789 msg/s, 200 → 1,019, 500 → 1,091; BENCHMARKS.md). Default 200.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>How long a claim lasts; a crashed worker's messages are taken up again after it. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts before a transiently failing message is given up. Default 8.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait before the outbox retries a message the relay refused for now; doubles with each attempt (capped at 6 hours). Default 1 minute.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "06:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often an idle worker looks for due messages (new ones wake it at once). Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Share of permanent failures among an edition's last <see cref="FailureSampleSize"/> attempts that pauses it, checked after every failure. Default 0.2.</summary>
    [Range(0.01, 1.0)]
    public double PauseFailureRatio { get; set; } = 0.2;

    /// <summary>The attempts an edition's failure ratio is judged on (its latest ones); none is judged before it has this many. Default 50.</summary>
    [Range(1, 100_000)]
    public int FailureSampleSize { get; set; } = 50;

    /// <summary>
    /// Editions in a row an address may fail for a reason that says nothing against the address itself
    /// (full mailbox, policy or reputation, content, receiving system) before it is suppressed. An
    /// unknown or disabled mailbox is suppressed at the first refusal. Default 3.
    /// </summary>
    [Range(1, 100)]
    public int SoftBounceEditions { get; set; } = 3;

    /// <summary>
    /// Limits per recipient domain (e.g. <c>orange.fr</c>), each with <see cref="DomainLimit.MessagesPerSecond"/>
    /// and/or <see cref="DomainLimit.MaxConcurrent"/>; a domain that throttles gets its own pace even without one. Default none.
    /// </summary>
    public Dictionary<string, DomainLimit> DomainLimits { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>What one recipient domain accepts (<c>Delivery:DomainLimits:&lt;domain&gt;</c>).</summary>
public sealed class DomainLimit
{
    /// <summary>Messages per second to this domain, and the ceiling its pace recovers to after throttling; 0 for none. Default 0.</summary>
    [Range(0.0, 100_000.0)]
    public double MessagesPerSecond { get; set; }

    /// <summary>Messages to this domain being sent at once; 0 for no cap. Default 0.</summary>
    [Range(0, 64)]
    public int MaxConcurrent { get; set; }

    /// <summary>How the desk's settings page shows an entry ("[orange.fr, MessagesPerSecond=5, MaxConcurrent=2]").</summary>
    public override string ToString() => FormattableString.Invariant($"MessagesPerSecond={MessagesPerSecond}, MaxConcurrent={MaxConcurrent}");
}
