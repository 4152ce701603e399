using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Delivery;

/// <summary>Where the sending pace is kept between the sending process and whoever asks (<c>delivery status</c>), beside the relay's status.</summary>
public sealed class PaceStatusStore(Database connections, TimeProvider time)
{
    /// <summary>
    /// Replaces what was recorded for the relay of <paramref name="paces"/>: a domain that recovered is no
    /// longer listed. Processes sending through the same relay save one after the other (on PostgreSQL,
    /// under an advisory lock): otherwise the second's insert would meet the rows the first just wrote.
    /// </summary>
    public async Task SaveAsync(IReadOnlyList<PaceStatus> paces, CancellationToken cancellationToken)
    {
        if (paces.Count == 0)
            return;
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "sending-pace", cancellationToken);
        await Sql.ExecuteAsync(connection, transaction, "DELETE FROM sending_pace WHERE relay = @relay", cancellationToken, ("@relay", paces[0].Relay));
        var now = SqlValues.Instant(time.GetUtcNow());
        foreach (var pace in paces)
            await Sql.ExecuteAsync(connection, transaction, """
                INSERT INTO sending_pace (relay, domain, rate, ceiling, max_concurrent, since, last_throttle, last_throttle_at, throttles, updated_at)
                VALUES (@relay, @domain, @rate, @ceiling, @max, @since, @throttle, @throttleAt, @throttles, @now)
                """, cancellationToken, ("@relay", pace.Relay), ("@domain", pace.Domain ?? ""), ("@rate", Optional(pace.MessagesPerSecond)),
                ("@ceiling", Optional(pace.Ceiling)), ("@max", pace.MaxConcurrent), ("@since", SqlValues.Instant(pace.Since)),
                ("@throttle", SqlValues.OrNull(pace.LastThrottle is null ? null : OutboxStore.Truncate(pace.LastThrottle))),
                ("@throttleAt", pace.LastThrottleAt is { } at ? SqlValues.Instant(at) : DBNull.Value), ("@throttles", pace.Throttles), ("@now", now));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Every pace recorded, the relay's own first, then its domains by name.</summary>
    public async Task<IReadOnlyList<PaceStatus>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT relay, domain, rate, ceiling, max_concurrent, since, last_throttle, last_throttle_at, throttles
            FROM sending_pace ORDER BY relay, domain
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<PaceStatus>();
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new PaceStatus(reader.GetString(0), reader.GetString(1) is { Length: > 0 } domain ? domain : null,
                reader.IsDBNull(2) ? null : reader.GetDouble(2), reader.IsDBNull(3) ? null : reader.GetDouble(3),
                SqlValues.ReadInstant(reader.GetString(5)), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : SqlValues.ReadInstant(reader.GetString(7)), reader.GetInt64(8), reader.GetInt32(4)));
        return result;
    }

    private static object Optional(double? value) => value is { } v ? v : DBNull.Value;
}
