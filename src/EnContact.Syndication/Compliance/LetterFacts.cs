using EnContact.Syndication.Delivery;
using MimeKit;

namespace EnContact.Syndication.Compliance;

/// <summary>
/// What the checks of one composed letter need to know besides the message: where mail goes, the
/// signing key, the reader's own unsubscribe link, who the publisher is, the clip limit, and whether
/// returned mail is read.
/// </summary>
public sealed record LetterFacts
{
    /// <summary>Mail goes through a relay to real mailboxes (false: the pickup folder, nothing leaves this machine).</summary>
    public required bool ThroughRelay { get; init; }

    /// <summary>The key messages are signed with; null when none is configured.</summary>
    public DkimKey? SigningKey { get; init; }

    /// <summary>The reader's unsubscribe page, as the letter's links and List-Unsubscribe must give it.</summary>
    public required string UnsubscribeUrl { get; init; }

    /// <summary>The names the footer must show: the publisher, and the postal address when one is configured.</summary>
    public required IReadOnlyList<string> PublisherLines { get; init; }

    /// <summary>Most bytes of the HTML part as sent before mailbox providers cut it (Gmail: about 102 KB).</summary>
    public required long ClipBytes { get; init; }

    /// <summary>A bounce mailbox is read (Bounces:Imap:Host), so returned mail must come to the return path.</summary>
    public required bool BouncesRead { get; init; }

    /// <summary>Delivery:ReturnPath, normalised; null when unset.</summary>
    public string? ReturnPath { get; init; }

    /// <summary>The envelope sender the letter would go out with (null: its From address).</summary>
    public MailboxAddress? EnvelopeSender { get; init; }
}
