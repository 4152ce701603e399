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

    Task<SendReceipt> SendAsync(MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>Proof of acceptance: the server's reply (e.g. "250 2.0.0 Ok: queued as 4F2A1") or where the file went.</summary>
public sealed record SendReceipt(string Reply);

/// <summary>What a failed send means for the message and its recipient.</summary>
public enum FailureKind
{
    /// <summary>Try again later (4xx, connection refused or dropped, timeout, relay down).</summary>
    Transient,
    /// <summary>The relay refused this recipient for good (5xx at RCPT): fail the message and suppress the address.</summary>
    RecipientRejected,
    /// <summary>The relay refused this message for good (5xx after DATA): fail it; the address stays.</summary>
    MessageRejected,
    /// <summary>Our set-up is wrong (authentication, 530): no message can go out; keep them queued and tell the operator.</summary>
    Configuration,
}
