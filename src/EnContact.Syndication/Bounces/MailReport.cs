namespace EnContact.Syndication.Bounces;

/// <summary>What a message that came back to the bounce mailbox is.</summary>
public enum ReportKind
{
    /// <summary>A delivery status notification (RFC 3464), or a classic text bounce we recognise safely.</summary>
    DeliveryStatus,
    /// <summary>A feedback report (RFC 5965, ARF): a reader's mailbox provider reports a complaint.</summary>
    Feedback,
    /// <summary>An out-of-office or vacation reply, or a challenge to prove we are human.</summary>
    AutoReply,
    /// <summary>None of the above: a person's mail, or a report we cannot read.</summary>
    Other,
}

/// <summary>One recipient of a delivery report: what happened to the message for it.</summary>
public sealed record RecipientReport(string? FinalRecipient, string? OriginalRecipient, string Action, string? Status, string? Diagnostic)
{
    public bool Failed => Action.Equals("failed", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// What was read from a message, and only from its report parts: the addresses it was delivered to
/// (where a return-path or unsubscribe token would be), the recipients' statuses, the original
/// message's Message-ID and envelope sender, the feedback type. <see cref="Problem"/> says why a
/// report could not be read.
/// </summary>
public sealed record MailReport(ReportKind Kind)
{
    /// <summary>Addresses the message came to (To, Cc, Delivered-To, X-Original-To, Envelope-To) and, for a report, the original message's envelope sender.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];
    public IReadOnlyList<RecipientReport> Recipients { get; init; } = [];
    /// <summary>The Message-ID of the message the report is about (from its enclosed headers).</summary>
    public string? OriginalMessageId { get; init; }
    /// <summary>ARF: abuse, fraud, not-spam, virus, auth-failure, other.</summary>
    public string? FeedbackType { get; init; }
    /// <summary>ARF: the recipient the complaint names, when the provider did not redact it.</summary>
    public string? ComplainingRecipient { get; init; }
    /// <summary>Who sent the report (its Reporting-MTA or the From domain), for the record.</summary>
    public string? ReportedBy { get; init; }
    public string? Problem { get; init; }
    /// <summary>Why an auto-reply was recognised as one.</summary>
    public string? AutoReplySign { get; init; }
}
