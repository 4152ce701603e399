using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Delivery;

/// <summary>Where the relay's status is kept between the sending process and whoever asks (<c>delivery status</c>, the API).</summary>
public sealed class RelayStatusStore(Database connections, TimeProvider time)
{
    /// <summary>Moves after every save, so in-process watchers (tests, the desk) can wait instead of polling.</summary>
    public VersionSignal Changes { get; } = new();

    public async Task SaveAsync(RelayStatus status, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, null, """
            INSERT INTO relay_status (relay, state, state_since, last_reply, last_reply_at, last_failure, last_failure_at, updated_at)
            VALUES (@relay, @state, @since, @reply, @replyAt, @failure, @failureAt, @now)
            ON CONFLICT (relay) DO UPDATE SET state = excluded.state, state_since = excluded.state_since, last_reply = excluded.last_reply,
                last_reply_at = excluded.last_reply_at, last_failure = excluded.last_failure, last_failure_at = excluded.last_failure_at,
                updated_at = excluded.updated_at
            """, cancellationToken, ("@relay", status.Relay), ("@state", EnumText.Of(status.State)), ("@since", SqlValues.Instant(status.StateSince)),
            ("@reply", SqlValues.OrNull(status.LastReply)), ("@replyAt", Optional(status.LastReplyAt)),
            ("@failure", SqlValues.OrNull(status.LastFailure is null ? null : OutboxStore.Truncate(status.LastFailure))), ("@failureAt", Optional(status.LastFailureAt)),
            ("@now", SqlValues.Instant(time.GetUtcNow())));
        Changes.Bump();
    }

    /// <summary>Every relay a sending process reported on, the most recently updated first.</summary>
    public async Task<IReadOnlyList<(RelayStatus Status, DateTimeOffset UpdatedAt)>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null,
            "SELECT relay, state, state_since, last_reply, last_reply_at, last_failure, last_failure_at, updated_at FROM relay_status ORDER BY updated_at DESC");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<(RelayStatus, DateTimeOffset)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : SqlValues.ReadInstant(reader.GetString(i));
            result.Add((new RelayStatus(reader.GetString(0), EnumText.Parse<RelayState>(reader.GetString(1), "relay state"), SqlValues.ReadInstant(reader.GetString(2)),
                reader.IsDBNull(3) ? null : reader.GetString(3), At(4), reader.IsDBNull(5) ? null : reader.GetString(5), At(6)),
                SqlValues.ReadInstant(reader.GetString(7))));
        }
        return result;
    }

    private static object Optional(DateTimeOffset? instant) => instant is { } value ? SqlValues.Instant(value) : DBNull.Value;
}
