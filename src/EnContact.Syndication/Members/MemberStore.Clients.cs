using EnContact.Syndication.Storage;
using static EnContact.Syndication.Storage.Sql;

namespace EnContact.Syndication.Members;

/// <summary>The keyed hashes of the client addresses that polled each member's feeds, kept for a bounded window.</summary>
public sealed partial class MemberStore
{
    /// <summary>Records that <paramref name="clientHash"/> polled the member's feeds at <paramref name="at"/>.</summary>
    public async Task RecordClientAsync(string externalId, string clientHash, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var now = SqlValues.Instant(at);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, """
            INSERT INTO member_clients (external_id, client_hash, first_seen_at, last_seen_at) VALUES (@id, @client, @now, @now)
            ON CONFLICT (external_id, client_hash) DO UPDATE SET last_seen_at = excluded.last_seen_at
            """, cancellationToken, ("@id", externalId), ("@client", clientHash), ("@now", now));
    }

    /// <summary>Forgets the clients not seen since <paramref name="before"/>. Returns how many rows went.</summary>
    public async Task<int> PurgeClientsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM member_clients WHERE last_seen_at < @before", cancellationToken, ("@before", SqlValues.Instant(before)));
    }

    /// <summary>How many distinct clients polled the member's feeds since <paramref name="since"/>.</summary>
    public async Task<int> ClientCountAsync(string externalId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return Convert.ToInt32(await ScalarAsync(connection, null, "SELECT COUNT(*) FROM member_clients WHERE external_id = @id AND last_seen_at >= @since",
            cancellationToken, ("@id", externalId), ("@since", SqlValues.Instant(since))));
    }

    /// <summary>The members polled from more than <paramref name="threshold"/> distinct clients since <paramref name="since"/>, most clients first.</summary>
    public async Task<IReadOnlyList<SharedFeed>> SharedFeedsAsync(DateTimeOffset since, int threshold, CancellationToken cancellationToken)
    {
        var shared = new List<SharedFeed>();
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT m.external_id, m.address, m.name, c.clients, c.last_seen FROM members m
            JOIN (SELECT external_id, COUNT(*) AS clients, MAX(last_seen_at) AS last_seen FROM member_clients WHERE last_seen_at >= @since GROUP BY external_id) c
              ON c.external_id = m.external_id
            WHERE c.clients > @threshold
            ORDER BY c.clients DESC, m.external_id
            LIMIT 1000
            """, ("@since", SqlValues.Instant(since)), ("@threshold", threshold));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            shared.Add(new SharedFeed(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                Convert.ToInt32(reader.GetValue(3)), SqlValues.ReadInstant(reader.GetString(4))));
        return shared;
    }

    /// <summary>How many members are active, expired and revoked at <paramref name="at"/>.</summary>
    public async Task<MemberCounts> CountsAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT
              SUM(CASE WHEN revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @at) THEN 1 ELSE 0 END),
              SUM(CASE WHEN revoked_at IS NULL AND expires_at <= @at THEN 1 ELSE 0 END),
              SUM(CASE WHEN revoked_at IS NOT NULL THEN 1 ELSE 0 END)
            FROM members
            """, ("@at", SqlValues.Instant(at)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        long Read(int i) => reader.IsDBNull(i) ? 0 : Convert.ToInt64(reader.GetValue(i));
        return new MemberCounts(Read(0), Read(1), Read(2));
    }
}
