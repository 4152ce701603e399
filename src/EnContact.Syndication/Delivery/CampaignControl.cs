using System.Data.Common;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Delivery;

/// <summary>What the operator sets on an edition's delivery (or a purpose's, such as "confirm").</summary>
public enum CampaignState
{
    Active,
    Paused,
    Cancelled,
}

/// <summary>Steers and reports each edition's delivery: pause, resume, cancel, and where it stands.</summary>
public sealed class CampaignControl(Database connections, OutboxStore outbox, TimeProvider time)
{
    /// <summary>Sets an edition's state with the reason the operator will see; cancelling drops its queued messages.</summary>
    public async Task SetStateAsync(string campaign, CampaignState state, string? reason, CancellationToken cancellationToken)
    {
        var now = SqlValues.Instant(time.GetUtcNow());
        await using (var connection = await connections.OpenAsync(cancellationToken))
        {
            await Sql.ExecuteAsync(connection, null, """
                INSERT INTO campaigns (campaign, state, reason, changed_at) VALUES (@campaign, @state, @reason, @now)
                ON CONFLICT (campaign) DO UPDATE SET state = excluded.state, reason = excluded.reason, changed_at = excluded.changed_at
                """, cancellationToken, ("@campaign", campaign), ("@state", EnumText.Of(state)), ("@reason", SqlValues.OrNull(reason)), ("@now", now));
            if (state == CampaignState.Cancelled)
                await Sql.ExecuteAsync(connection, null,
                    $"UPDATE outbox SET status = 'cancelled', last_error = 'edition cancelled', {OutboxStore.Settled} WHERE campaign = @campaign AND status = 'pending'",
                    cancellationToken, ("@campaign", campaign), ("@now", now));
        }
        if (state == CampaignState.Active)
            await outbox.QueueMovedAsync(cancellationToken);
        else
            outbox.Changes.Bump();
    }

    /// <summary>
    /// The outcomes of an edition's latest <paramref name="count"/> attempts that settled as sent or
    /// failed, newest first (true: failed), so a sender that starts can judge its recent failure ratio.
    /// </summary>
    public async Task<IReadOnlyList<bool>> RecentOutcomesAsync(string campaign, int count, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT status FROM outbox WHERE campaign = @campaign AND status IN ('sent', 'failed') AND settled_at IS NOT NULL
            ORDER BY settled_at DESC LIMIT @count
            """, ("@campaign", campaign), ("@count", count));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var outcomes = new List<bool>();
        while (await reader.ReadAsync(cancellationToken))
            outcomes.Add(reader.GetString(0) == "failed");
        return outcomes;
    }

    /// <summary>Where each edition stands (all, or <paramref name="campaign"/>), newest first.</summary>
    public async Task<IReadOnlyList<CampaignProgress>> ProgressAsync(string? campaign, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var nowText = SqlValues.Instant(now);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var classes = await FailuresByClassAsync(connection, campaign, cancellationToken);
        await using var command = Sql.Command(connection, null, $"""
            SELECT o.campaign, COALESCE(c.state, 'active'), c.reason, COUNT(*),
                   SUM(CASE WHEN o.status = 'pending' THEN 1 ELSE 0 END), SUM(CASE WHEN o.status = 'sending' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN o.status = 'sent' THEN 1 ELSE 0 END), SUM(CASE WHEN o.status = 'failed' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN o.status = 'suppressed' THEN 1 ELSE 0 END), SUM(CASE WHEN o.status = 'cancelled' THEN 1 ELSE 0 END),
                   MIN(o.settled_at), MAX(o.settled_at),
                   SUM(CASE WHEN o.status = 'pending' AND o.next_attempt_at <= @now THEN 1 ELSE 0 END),
                   MIN(CASE WHEN o.status = 'pending' AND o.next_attempt_at > @now THEN o.next_attempt_at END),
                   SUM(CASE WHEN o.status = 'sending' AND o.lease_until < @now THEN 1 ELSE 0 END),
                   MAX(CASE WHEN o.status = 'sending' THEN o.lease_until END),
                   SUM(CASE WHEN o.status = 'failed' AND o.sent_at IS NOT NULL THEN 1 ELSE 0 END)
            FROM outbox o LEFT JOIN campaigns c ON c.campaign = o.campaign
            {(campaign is null ? "" : "WHERE o.campaign = @campaign")}
            GROUP BY o.campaign, c.state, c.reason
            ORDER BY MIN(o.created_at) DESC
            """, campaign is null ? [("@now", nowText)] : [("@now", nowText), ("@campaign", campaign)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<CampaignProgress>();
        while (await reader.ReadAsync(cancellationToken))
            result.Add(Read(reader, now, classes));
        return result;
    }

    private static CampaignProgress Read(DbDataReader reader, DateTimeOffset now, Dictionary<string, Dictionary<string, long>> classes)
    {
        var name = reader.GetString(0);
        var (pending, sending) = (reader.GetInt64(4), reader.GetInt64(5));
        var (sent, failed, suppressed) = (reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8));
        var first = Instant(reader, 10);
        var last = Instant(reader, 11);
        var setting = EnumText.Parse<CampaignState>(reader.GetString(1), "campaign state");
        var state = setting switch
        {
            CampaignState.Paused => CampaignPhase.Paused,
            CampaignState.Cancelled => CampaignPhase.Cancelled,
            _ when pending + sending == 0 => CampaignPhase.Done,
            _ => CampaignPhase.Sending,
        };
        // The rate over the edition's own sending time: from its first settled message to its last (or now, while it sends).
        var end = state == CampaignPhase.Sending ? now : last;
        var seconds = first is { } start && end is { } stop ? (stop - start).TotalSeconds : 0;
        var settled = sent + failed + suppressed;
        var rate = seconds >= 1 ? settled / seconds : 0;
        DateTimeOffset? finish = state == CampaignPhase.Sending && rate > 0 ? now + TimeSpan.FromSeconds((pending + sending) / rate) : null;
        var waiting = new MessagesWaiting(reader.GetInt64(12), pending - reader.GetInt64(12), Instant(reader, 13),
            sending - reader.GetInt64(14), reader.GetInt64(14), Instant(reader, 15));
        return new CampaignProgress(name, state, reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3), pending, sending,
            sent, failed, suppressed, reader.GetInt64(9), Math.Round(rate, 2), finish)
        {
            FailedByClass = classes.GetValueOrDefault(name) ?? [],
            Bounced = reader.GetInt64(16),
            FirstSettledAt = first,
            LastSettledAt = last,
            Waiting = waiting,
        };
    }

    private static async Task<Dictionary<string, Dictionary<string, long>>> FailuresByClassAsync(
        DbConnection connection, string? campaign, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, null, $"""
            SELECT campaign, COALESCE(failure_class, 'other'), COUNT(*) FROM outbox
            WHERE status = 'failed' {(campaign is null ? "" : "AND campaign = @campaign")}
            GROUP BY campaign, COALESCE(failure_class, 'other')
            """, campaign is null ? [] : [("@campaign", campaign)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!result.TryGetValue(reader.GetString(0), out var counts))
                result[reader.GetString(0)] = counts = new Dictionary<string, long>(StringComparer.Ordinal);
            counts[reader.GetString(1)] = reader.GetInt64(2);
        }
        return result;
    }

    private static DateTimeOffset? Instant(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : SqlValues.ReadInstant(reader.GetString(ordinal));
}
