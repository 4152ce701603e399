namespace EnContact.Syndication.Delivery;

/// <summary>Transactional mail (a confirmation) goes before bulk mail (a digest).</summary>
public enum MailKind
{
    Transactional = 0,
    Bulk = 1,
}

/// <summary>
/// What an edition's recipients share, rendered once: subject, text and HTML. <c>{{name}}</c>
/// placeholders are filled per recipient from <see cref="OutboxRequest.Variables"/> (HTML-encoded in
/// the HTML part), so 100,000 messages store one body, not 100,000.
/// </summary>
public sealed record MessageBody(string Subject, string TextBody, string HtmlBody);

/// <summary>One message to queue: which edition or purpose, to whom, with what personal values.</summary>
public sealed record OutboxRequest
{
    /// <summary>The edition ("digest-2026-11-30-0800") or purpose ("confirm") — with the recipient, the message's unique key.</summary>
    public required string Campaign { get; init; }
    public required MailKind Kind { get; init; }
    public required string RecipientAddress { get; init; }
    public string? RecipientName { get; init; }
    /// <summary>Per-recipient values for the body's <c>{{name}}</c> placeholders.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();
    /// <summary>The https one-click unsubscribe URL (with its signed token) for List-Unsubscribe; bulk mail needs one.</summary>
    public string? UnsubscribeUrl { get; init; }
}

/// <summary>Where a message stands.</summary>
public enum OutboxStatus
{
    Pending,
    Sending,
    Sent,
    Failed,
    Suppressed,
    Cancelled,
}

/// <summary>A claimed message, with everything needed to compose and send it.</summary>
public sealed record OutboxItem
{
    public required string MessageKey { get; init; }
    public required string Campaign { get; init; }
    public required MailKind Kind { get; init; }
    public required string Recipient { get; init; }
    public string? RecipientName { get; init; }
    public required MessageBody Body { get; init; }
    public required IReadOnlyDictionary<string, string> Variables { get; init; }
    public string? UnsubscribeUrl { get; init; }
    public required string MessageId { get; init; }
    public required int Attempts { get; init; }

    /// <summary>Who claimed it: only that claim's outcome is recorded (a sender whose lease ran out and was taken over changes nothing).</summary>
    public string? ClaimedBy { get; init; }

    /// <summary>A message composed outside the outbox (sent at once, or only checked), with the Message-ID the outbox would give it.</summary>
    public static OutboxItem Unqueued(MessageBody body, OutboxRequest request, string messageIdDomain)
    {
        var key = OutboxStore.KeyOf($"{request.Campaign}-{Guid.NewGuid():N}", request.RecipientAddress);
        return new OutboxItem
        {
            MessageKey = key, Campaign = request.Campaign, Kind = request.Kind, Recipient = request.RecipientAddress, RecipientName = request.RecipientName,
            Body = body, Variables = request.Variables, UnsubscribeUrl = request.UnsubscribeUrl, MessageId = OutboxStore.MessageIdOf(key, messageIdDomain), Attempts = 1,
        };
    }
}

/// <summary>Where an edition's delivery stands: sending, paused or cancelled by the operator (or by the failure rate), or done (nothing left to send).</summary>
public enum CampaignPhase
{
    Sending,
    Paused,
    Cancelled,
    Done,
}

/// <summary>
/// An edition's delivery: counts by status, the rate over its own sending time and the estimated
/// finish (none unless it is sending), failures by class, and why the messages still queued wait.
/// </summary>
public sealed record CampaignProgress(
    string Campaign, CampaignPhase State, string? Reason, long Total, long Pending, long Sending, long Sent, long Failed,
    long Suppressed, long Cancelled, double MessagesPerSecond, DateTimeOffset? EstimatedFinish)
{
    /// <summary>Permanent failures by class ("mailbox", "mailbox-full", "policy", "content", "system", "other").</summary>
    public IReadOnlyDictionary<string, long> FailedByClass { get; init; } = new Dictionary<string, long>();
    /// <summary>Of the failed messages, those the relay had accepted and a report later said were not delivered.</summary>
    public long Bounced { get; init; }
    public DateTimeOffset? FirstSettledAt { get; init; }
    public DateTimeOffset? LastSettledAt { get; init; }
    public MessagesWaiting Waiting { get; init; } = new(0, 0, null, 0, 0, null);
}

/// <summary>
/// Why queued messages have not gone yet: due now (a sender will take them), waiting for their retry
/// time (the relay said "later"), claimed by a sender that is sending them, or claimed by one whose
/// lease ran out (it stopped; another sender takes them).
/// </summary>
public sealed record MessagesWaiting(long DueNow, long RetryLater, DateTimeOffset? NextRetryAt, long Claimed, long ClaimExpired, DateTimeOffset? ClaimsExpireAt);
