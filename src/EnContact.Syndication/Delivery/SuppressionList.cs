using EnContact.Syndication.Storage;
using System.Data.Common;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// The addresses never to mail in bulk again (unsubscribed, hard-bounced, erased), shared with
/// subscribers, and the rule that turns repeated soft bounces into a suppression.
/// </summary>
public sealed class SuppressionList(Database connections, TimeProvider time)
{
    public async Task SuppressAsync(string address, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, null, "INSERT INTO suppressions (address, reason, created_at) VALUES (@address, @reason, @now) ON CONFLICT (address) DO NOTHING",
            cancellationToken, ("@address", address), ("@reason", OutboxStore.Truncate(reason)), ("@now", SqlValues.Instant(time.GetUtcNow())));
    }

    /// <summary>Lifts a suppression (the address confirmed its subscription again).</summary>
    public async Task UnsuppressAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, null, "DELETE FROM suppressions WHERE address = @address", cancellationToken, ("@address", address));
    }

    public async Task<bool> IsSuppressedAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await Sql.ScalarAsync(connection, null, "SELECT 1 FROM suppressions WHERE address = @address", cancellationToken, ("@address", address)) is not null;
    }

    /// <summary>
    /// How many of the address's latest editions (bulk messages that settled as sent or failed), up to
    /// <paramref name="limit"/>, failed in a row for a reason that says nothing against the address itself
    /// (full mailbox, policy, content, system). One sent edition in between breaks the streak.
    /// </summary>
    public async Task<int> SoftFailureStreakAsync(string address, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
            return 0;
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT status, failure_class FROM outbox
            WHERE recipient = @address AND kind = 'bulk' AND status IN ('sent', 'failed')
            ORDER BY created_at DESC
            LIMIT @limit
            """, ("@address", address), ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var streak = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetString(0) != "failed" || reader.IsDBNull(1) || !FailureClassText.Soft.Contains(reader.GetString(1)))
                break;
            streak++;
        }
        return streak;
    }

    /// <summary>
    /// The soft-bounce rule, for refusals at sending time and for reports that come back later alike:
    /// suppresses <paramref name="address"/> when its latest <paramref name="editions"/> bulk messages
    /// all failed softly. <paramref name="unrecorded"/> counts a failure not yet in the outbox (a refusal
    /// being settled: 1; a report already applied to its row: 0). True when the address was suppressed.
    /// </summary>
    public async Task<bool> SuppressAfterSoftBouncesAsync(string address, int editions, int unrecorded, string lastReason, CancellationToken cancellationToken)
    {
        if (await SoftFailureStreakAsync(address, editions - unrecorded, cancellationToken) + unrecorded < editions)
            return false;
        await SuppressAsync(address, $"soft bounces in {editions} editions in a row (Delivery:SoftBounceEditions), the last: {lastReason}", cancellationToken);
        return true;
    }

    /// <summary>Which of <paramref name="addresses"/> are on the suppression list (inside the caller's transaction).</summary>
    internal static async Task<HashSet<string>> SuppressedAmongAsync(Database database, DbConnection connection, DbTransaction transaction, IReadOnlyList<string> addresses, CancellationToken cancellationToken)
    {
        var suppressed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in addresses.Chunk(database.MaxListSize))
        {
            await using var command = Sql.Command(connection, transaction, "");
            command.CommandText = $"SELECT address FROM suppressions WHERE {database.InList(command, "address", "@addresses", chunk)}";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                suppressed.Add(reader.GetString(0));
        }
        return suppressed;
    }
}
