using MimeKit;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Hands one finished message to the outside world: an SMTP relay, or a pickup folder of .eml files.
/// Returns only once the message is accepted (SMTP: the 250 reply to DATA); throws otherwise, and
/// <see cref="SmtpFailureClassifier"/> says whether the failure is worth retrying.
/// </summary>
public interface IMailSender
{
    /// <summary>What the operator sees in logs ("smtp relay.example:587", "pickup folder /srv/outbox").</summary>
    string Description { get; }

    /// <summary>
    /// Sends with <paramref name="envelopeSender"/> as the SMTP envelope's sender (MAIL FROM: where
    /// bounces go; the From header is untouched), or From when it is null.
    /// </summary>
    Task<SendReceipt> SendAsync(MimeMessage message, MailboxAddress? envelopeSender, CancellationToken cancellationToken);

    Task<SendReceipt> SendAsync(MimeMessage message, CancellationToken cancellationToken) => SendAsync(message, null, cancellationToken);
}

/// <summary>Proof of acceptance: the server's reply (e.g. "250 2.0.0 Ok: queued as 4F2A1") or where the file went.</summary>
public sealed record SendReceipt(string Reply);
