using EnContact.Syndication.Delivery;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Bounces;

/// <summary>A message we sent, as a report is matched to it.</summary>
public sealed record SentMessage(string MessageKey, string Campaign, MailKind Kind, string Recipient, OutboxStatus Status);

/// <summary>One report applied, as the desk and the admin API list it under a subscriber.</summary>
public sealed record BounceEvent(DateTimeOffset ReceivedAt, string Kind, string? Campaign, string? StatusCode, string? FailureClass, string? Diagnostic, string Outcome)
{
    /// <summary>The kinds a report is recorded under.</summary>
    public const string DeliveryReport = "dsn", Complaint = "complaint", MailedUnsubscribe = "unsubscribe";

    /// <summary>A delivery report that says the mailbox does not exist (suppressed at once); other delivery reports are soft.</summary>
    public bool IsHardBounce => Kind == DeliveryReport && FailureClass == FailureClassText.Of(BounceClass.Mailbox);
}

/// <summary>
/// The database side of reports that come back: finding the message a report is about (only among
/// messages the relay accepted), marking a sent message bounced, and the record of applied reports
/// (<c>bounce_events</c>, keyed so that the same report is recorded once).
/// </summary>
public sealed class BounceStore(Database connections, OutboxStore outbox, IEnumerable<ICampaignListener> listeners, PersonalData personalData, TimeProvider time)
{
    private const string MessageColumns = "message_key, campaign, kind, recipient, status";

    /// <summary>The message with this Message-ID, if the relay accepted it (sent, or already bounced).</summary>
    public async Task<SentMessage?> FindByMessageIdAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await ReadOneAsync(Sql.Command(connection, null,
            $"SELECT {MessageColumns} FROM outbox WHERE message_id = @id AND status IN ('sent', 'failed') AND sent_at IS NOT NULL",
            ("@id", messageId)), cancellationToken);
    }

    /// <summary>The latest message the relay accepted for <paramref name="address"/>: what a report that names only the recipient is about.</summary>
    public async Task<SentMessage?> LatestSentToAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await ReadOneAsync(Sql.Command(connection, null, $"""
            SELECT {MessageColumns} FROM outbox
            WHERE recipient = @address AND status IN ('sent', 'failed') AND sent_at IS NOT NULL
            ORDER BY created_at DESC LIMIT 1
            """, ("@address", address)), cancellationToken);
    }

    /// <summary>
    /// A sent message bounced after the relay accepted it: it now counts as failed, with its class and
    /// the report's diagnostic, everywhere an outcome is counted — its edition's counts too, in the same
    /// transaction (see <see cref="ICampaignListener.MessageBouncedAsync"/>). False when it was not 'sent'
    /// (already bounced): nothing is counted twice.
    /// </summary>
    public async Task<bool> MarkBouncedAsync(SentMessage sent, BounceClass failureClass, string error, CancellationToken cancellationToken)
    {
        var changedFor = new List<ICampaignListener>();
        await using (var connection = await connections.OpenAsync(cancellationToken))
        await using (var transaction = await connections.BeginWriteAsync(connection, null, cancellationToken))
        {
            if (await Sql.ExecuteAsync(connection, transaction,
                    "UPDATE outbox SET status = 'failed', failure_class = @class, last_error = @error WHERE message_key = @key AND status = 'sent'",
                    cancellationToken, ("@key", sent.MessageKey), ("@class", FailureClassText.Of(failureClass)), ("@error", OutboxStore.Truncate(error))) == 0)
                return false;
            foreach (var listener in listeners)
                if (await listener.MessageBouncedAsync(sent.Campaign, connection, transaction, cancellationToken))
                    changedFor.Add(listener);
            await transaction.CommitAsync(cancellationToken);
        }
        outbox.Changes.Bump();
        foreach (var listener in changedFor)
            await listener.BounceCommittedAsync(sent.Campaign, cancellationToken);
        return true;
    }

    public async Task<bool> IsRecordedAsync(string eventKey, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await Sql.ScalarAsync(connection, null, "SELECT 1 FROM bounce_events WHERE event_key = @key", cancellationToken, ("@key", eventKey)) is not null;
    }

    /// <summary>Records an applied report once (the same key again changes nothing).</summary>
    public async Task RecordAsync(string eventKey, string kind, string? address, string? campaign, string? statusCode, BounceClass? failureClass,
        string? diagnostic, string outcome, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, null, """
            INSERT INTO bounce_events (event_key, received_at, kind, address_hash, campaign, status_code, failure_class, diagnostic, outcome)
            VALUES (@key, @now, @kind, @hash, @campaign, @code, @class, @diagnostic, @outcome)
            ON CONFLICT (event_key) DO NOTHING
            """, cancellationToken, ("@key", eventKey), ("@now", SqlValues.Instant(time.GetUtcNow())), ("@kind", kind),
            ("@hash", SqlValues.OrNull(address is null ? null : personalData.AddressHash(address))), ("@campaign", SqlValues.OrNull(campaign)),
            ("@code", SqlValues.OrNull(statusCode)), ("@class", SqlValues.OrNull(failureClass is { } c ? FailureClassText.Of(c) : null)),
            ("@diagnostic", SqlValues.OrNull(diagnostic is null ? null : personalData.Redact(OutboxStore.Truncate(diagnostic)))),
            ("@outcome", outcome.Length <= 200 ? outcome : outcome[..200]));
    }

    /// <summary>The reports applied to <paramref name="address"/>, newest first.</summary>
    public async Task<IReadOnlyList<BounceEvent>> HistoryAsync(string address, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT received_at, kind, campaign, status_code, failure_class, diagnostic, outcome FROM bounce_events
            WHERE address_hash = @hash ORDER BY received_at DESC LIMIT @limit
            """, ("@hash", personalData.AddressHash(address)), ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<BounceEvent>();
        while (await reader.ReadAsync(cancellationToken))
            events.Add(new BounceEvent(SqlValues.ReadInstant(reader.GetString(0)), reader.GetString(1), Text(reader, 2), Text(reader, 3), Text(reader, 4), Text(reader, 5), reader.GetString(6)));
        return events;
    }

    private static string? Text(System.Data.Common.DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static async Task<SentMessage?> ReadOneAsync(System.Data.Common.DbCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
                return null;
            return new SentMessage(reader.GetString(0), reader.GetString(1), EnumText.Parse<MailKind>(reader.GetString(2), "mail kind"), reader.GetString(3),
                EnumText.Parse<OutboxStatus>(reader.GetString(4), "outbox status"));
        }
    }
}
