using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Delivery;

/// <summary>One message to an address as the outbox remembers it: which edition or purpose, how it ended, why it failed.</summary>
public sealed record MessageRecord(string Campaign, MailKind Kind, OutboxStatus Status, string? FailureClass, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SettledAt);

/// <summary>What was mailed to one address, for the desk's view of a subscriber (editions received, bounces).</summary>
public sealed class MessageHistory(Database connections)
{
    public async Task<IReadOnlyList<MessageRecord>> OfAsync(string address, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT campaign, kind, status, failure_class, last_error, created_at, settled_at FROM outbox
            WHERE recipient = @address ORDER BY created_at DESC LIMIT @limit
            """, ("@address", address), ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<MessageRecord>();
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new MessageRecord(reader.GetString(0), EnumText.Parse<MailKind>(reader.GetString(1), "mail kind"), EnumText.Parse<OutboxStatus>(reader.GetString(2), "outbox status"),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), SqlValues.ReadInstant(reader.GetString(5)),
                reader.IsDBNull(6) ? null : SqlValues.ReadInstant(reader.GetString(6))));
        return result;
    }
}
