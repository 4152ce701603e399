using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EnContact.Syndication.Storage;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// The durable outbox: one row per (edition or purpose, recipient), claimed by workers with a lease
/// and marked sent only after the relay accepted it. Enqueuing the same pair twice is a no-op.
/// </summary>
public sealed class OutboxStore(Database connections, OutboxSignal signal, IOptions<DeliveryOptions> options, TimeProvider time, ILogger<OutboxStore> logger)
{
    /// <summary>Moves on every change to a message's state, so in-process watchers (tests, progress) can wait instead of polling.</summary>
    public VersionSignal Changes { get; } = new();

    /// <summary>The unique key of a message: its edition or purpose, and the normalised recipient.</summary>
    public static string KeyOf(string campaign, string address) => $"{campaign}|{address}";

    /// <summary>The topic under which "messages are waiting" reaches the other gateway processes' senders.</summary>
    public const string ChangeTopic = "outbox";

    /// <summary>
    /// Messages became due (queued, released, resumed): this process's senders wake now, the other
    /// processes' when the announcement reaches them. Settling a message is not announced: nobody
    /// else waits for it, and one notification per message would double the database's work.
    /// </summary>
    internal async Task QueueMovedAsync(CancellationToken cancellationToken)
    {
        signal.Notify();
        Changes.Bump();
        await connections.AnnounceAsync(ChangeTopic, cancellationToken);
    }

    /// <summary>A Message-ID that is the same on every attempt, so a duplicate after a crash can be recognised.</summary>
    public static string MessageIdOf(string messageKey, string domain) =>
        $"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(messageKey)))[..32]}@{domain}";

    /// <summary>
    /// Queues one message per request in one transaction and returns how many were new. Every header
    /// value is checked first; any invalid request rejects the whole call with the problems listed.
    /// </summary>
    public Task<int> EnqueueAsync(MessageBody body, IReadOnlyCollection<OutboxRequest> requests, CancellationToken cancellationToken) =>
        EnqueueManyAsync([(body, requests)], cancellationToken);

    /// <summary>
    /// Queues several bodies, each with its recipients (an edition rendered once per section set), in
    /// one transaction: either every message is queued or none. Returns how many were new.
    /// </summary>
    public async Task<int> EnqueueManyAsync(IReadOnlyList<(MessageBody Body, IReadOnlyCollection<OutboxRequest> Requests)> batches, CancellationToken cancellationToken)
    {
        var prepared = Prepare(batches, options.Value.MessageIdDomain);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var locked = TimeProvider.System.GetTimestamp();
        var inserted = await InsertAsync(connection, prepared, cancellationToken);
        if (inserted >= 1000)
            logger.LogDebug("Queued {Count} messages in one transaction; the database's write lock was held {Milliseconds} ms",
                inserted, (int)TimeProvider.System.GetElapsedTime(locked).TotalMilliseconds);
        if (inserted > 0)
            await QueueMovedAsync(cancellationToken);
        return inserted;
    }

    private sealed record PreparedRow(string Key, OutboxRequest Request, string Address, string Variables, string MessageId);

    private sealed record PreparedBody(MessageBody Body, string BodyKey, List<PreparedRow> Rows);

    /// <summary>
    /// Checks every header value (any problem rejects the whole call, each named) and computes all
    /// that needs no database before the write transaction, which then only inserts: for an edition
    /// of 100,000 the write lock is held for the inserts alone.
    /// </summary>
    private static List<PreparedBody> Prepare(IReadOnlyList<(MessageBody Body, IReadOnlyCollection<OutboxRequest> Requests)> batches, string messageIdDomain)
    {
        var problems = new List<string>();
        var prepared = new List<PreparedBody>(batches.Count);
        foreach (var (body, requests) in batches)
        {
            if (MailInput.CheckHeaderText("subject", body.Subject, MailInput.MaxSubjectLength) is { } subjectProblem)
                problems.Add(subjectProblem);
            var rows = new List<PreparedRow>(requests.Count);
            foreach (var request in requests)
            {
                if (ProblemOf(request, out var address) is { } problem)
                {
                    problems.Add(problem);
                    continue;
                }
                var key = KeyOf(request.Campaign, address);
                rows.Add(new PreparedRow(key, request, address, JsonSerializer.Serialize(request.Variables), MessageIdOf(key, messageIdDomain)));
            }
            prepared.Add(new PreparedBody(body, Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(body))), rows));
        }
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems.Distinct()));
        return prepared;
    }

    /// <summary>What is wrong with a request's header values, naming the field; null when it may be queued (with its normalised address).</summary>
    private static string? ProblemOf(OutboxRequest request, out string address)
    {
        if (!MailInput.TryNormalizeAddress("recipient", request.RecipientAddress, out address, out var error))
            return error;
        if (MailInput.CheckHeaderText("recipient name", request.RecipientName, MailInput.MaxNameLength) is { } nameProblem)
            return nameProblem;
        if (string.IsNullOrWhiteSpace(request.Campaign))
            return "campaign: is required";
        if (MailInput.CheckHeaderText("campaign", request.Campaign, 200) is { } campaignProblem)
            return campaignProblem;
        if (request.UnsubscribeUrl is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || MailInput.CheckHeaderText("unsubscribe URL", url, 2000) is not null))
            return $"unsubscribe URL: '{url}' is not a single-line https URL";
        return null;
    }

    /// <summary>Every body (once, content-addressed) and every row, in one transaction; returns the rows that were new.</summary>
    private async Task<int> InsertAsync(DbConnection connection, List<PreparedBody> prepared, CancellationToken cancellationToken)
    {
        var now = SqlValues.Instant(time.GetUtcNow());
        await using var transaction = await connections.BeginWriteAsync(connection, "outbox-enqueue", cancellationToken);
        await using var saveBody = new RowStatement(connection, transaction, """
            INSERT INTO outbox_bodies (body_key, subject, text_body, html_body, created_at) VALUES (@key, @subject, @text, @html, @now)
            ON CONFLICT (body_key) DO NOTHING
            """, "@key", "@subject", "@text", "@html", "@now");
        await using var insert = new RowStatement(connection, transaction, """
            INSERT INTO outbox (message_key, campaign, kind, priority, recipient, recipient_name, body_key, variables_json,
                unsubscribe_url, message_id, status, attempts, next_attempt_at, created_at)
            VALUES (@key, @campaign, @kind, @priority, @recipient, @name, @body, @variables, @unsubscribe, @messageId, 'pending', 0, @now, @now)
            ON CONFLICT (message_key) DO NOTHING
            """, "@key", "@campaign", "@kind", "@priority", "@recipient", "@name", "@body", "@variables", "@unsubscribe", "@messageId", "@now");

        var inserted = 0;
        foreach (var batch in prepared)
        {
            await saveBody.AddAsync([batch.BodyKey, batch.Body.Subject, batch.Body.TextBody, batch.Body.HtmlBody, now], cancellationToken);
            foreach (var message in batch.Rows)
                inserted += await insert.AddAsync([message.Key, message.Request.Campaign, EnumText.Of(message.Request.Kind), (int)message.Request.Kind,
                    message.Address, message.Request.RecipientName, batch.BodyKey, message.Variables, message.Request.UnsubscribeUrl, message.MessageId, now], cancellationToken);
        }
        await saveBody.FlushAsync(cancellationToken);
        inserted += await insert.FlushAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due messages for <paramref name="owner"/> until the lease ends:
    /// transactional before bulk, oldest first; paused or cancelled editions are skipped, and bulk messages to
    /// suppressed addresses are settled as suppressed instead of being handed out. Transactional mail (a
    /// confirmation someone just asked for) is not suppressed: it is how a suppressed person comes back.
    /// The cost follows the batch, not the queue: due rows are read in index order with a limit, and
    /// only the candidates' addresses are looked up in the suppression list.
    /// </summary>
    public async Task<IReadOnlyList<OutboxItem>> ClaimAsync(string owner, int limit, CancellationToken cancellationToken)
    {
        var now = SqlValues.Instant(time.GetUtcNow());
        await using var connection = await connections.OpenAsync(cancellationToken);
        // Two senders never claim the same rows: SQLite lets one writer in at a time; PostgreSQL's
        // claim locks the rows it reads and skips those another sender holds (no scope lock needed).
        await using var transaction = await connections.BeginWriteAsync(connection, null, cancellationToken);

        var until = SqlValues.Instant(time.GetUtcNow() + options.Value.LeaseDuration);
        var rows = new List<DueRow>();
        var settled = 0;
        // A few rounds at most: a round only comes up short when some candidates were suppressed.
        for (var round = 0; round < 4 && rows.Count < limit; round++)
        {
            var candidates = await ReadDueAsync(connection, transaction, limit - rows.Count, now, cancellationToken);
            if (candidates.Count == 0)
                break;
            var suppressed = await SettleSuppressedAsync(connection, transaction, candidates, now, cancellationToken);
            settled += suppressed.Count;
            var leased = candidates.Where(c => !suppressed.Contains(c.Item.MessageKey)).ToList();
            rows.AddRange(leased);
            // Leased at once, so that a further round (after suppressions) reads past them.
            await LeaseAsync(connection, transaction, [.. leased.Select(c => c.Item.MessageKey)], owner, until, cancellationToken);
            if (suppressed.Count == 0)
                break;
        }

        // Transactional before bulk, then the longest-waiting first, across both kinds of due rows.
        var items = new List<OutboxItem>(rows.Count);
        foreach (var (item, bodyKey, _) in rows.OrderBy(r => r.Item.Kind).ThenBy(r => r.Due))
            items.Add(item with { Body = await BodyAsync(connection, transaction, bodyKey, cancellationToken), ClaimedBy = owner });
        await transaction.CommitAsync(cancellationToken);
        // Leased and suppressed messages changed state: a claim that settles without handing anything
        // out is the only news some watchers (an edition's progress) will get of those messages.
        if (items.Count > 0 || settled > 0)
            Changes.Bump();
        return items;
    }

    /// <summary>Marks claimed rows as this sender's, a list of keys per statement rather than a statement per row.</summary>
    private async Task LeaseAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> keys, string owner, string until, CancellationToken cancellationToken)
    {
        foreach (var chunk in keys.Chunk(connections.MaxListSize))
        {
            await using var lease = Sql.Command(connection, transaction, "", ("@until", until), ("@owner", owner));
            lease.CommandText = $"UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = @until, leased_by = @owner WHERE {connections.InList(lease, "message_key", "@keys", chunk)}";
            await lease.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>A due message as read for a claim: its body is fetched (and cached) only once it is claimed.</summary>
    private sealed record DueRow(OutboxItem Item, string BodyKey, DateTimeOffset Due);

    /// <summary>
    /// Up to <paramref name="wanted"/> due messages of editions that are not paused or cancelled: expired
    /// leases (a stopped sender's messages) first, then pending ones, each read in the order of ix_outbox_due.
    /// </summary>
    private async Task<List<DueRow>> ReadDueAsync(DbConnection connection, DbTransaction transaction, int wanted, string now, CancellationToken cancellationToken)
    {
        var candidates = new List<DueRow>();
        foreach (var (status, column) in new[] { ("sending", "lease_until"), ("pending", "next_attempt_at") })
        {
            if (wanted - candidates.Count <= 0)
                break;
            await using var select = connection.CreateCommand();
            select.Transaction = transaction;
            // Bodies are not joined here: sorting 60 KB bodies along with the rows cost 15 times more.
            select.CommandText = $"""
                SELECT o.message_key, o.campaign, o.kind, o.recipient, o.recipient_name, o.body_key,
                       o.variables_json, o.unsubscribe_url, o.message_id, o.attempts, o.{column}
                FROM outbox o
                LEFT JOIN campaigns c ON c.campaign = o.campaign
                WHERE o.status = @status AND o.{column} <= @now AND (c.state IS NULL OR c.state = 'active')
                ORDER BY o.status, o.priority, o.next_attempt_at
                LIMIT @limit{connections.SkipLocked("o")}
                """;
            select.Parameters.AddWithValue("@status", status);
            select.Parameters.AddWithValue("@now", now);
            select.Parameters.AddWithValue("@limit", wanted - candidates.Count);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                candidates.Add(new DueRow(new OutboxItem
                {
                    MessageKey = reader.GetString(0),
                    Campaign = reader.GetString(1),
                    Kind = EnumText.Parse<MailKind>(reader.GetString(2), "mail kind"),
                    Recipient = reader.GetString(3),
                    RecipientName = reader.IsDBNull(4) ? null : reader.GetString(4),
                    Body = null!,
                    Variables = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(6)) ?? [],
                    UnsubscribeUrl = reader.IsDBNull(7) ? null : reader.GetString(7),
                    MessageId = reader.GetString(8),
                    Attempts = reader.GetInt32(9) + 1,
                }, reader.GetString(5), SqlValues.ReadInstant(reader.GetString(10))));
        }
        return candidates;
    }

    /// <summary>Settles the bulk candidates whose address is suppressed, and returns their message keys.</summary>
    private async Task<HashSet<string>> SettleSuppressedAsync(DbConnection connection, DbTransaction transaction, List<DueRow> candidates, string now, CancellationToken cancellationToken)
    {
        var bulk = candidates.Where(c => c.Item.Kind == MailKind.Bulk).ToList();
        var suppressed = await SuppressionList.SuppressedAmongAsync(connections, connection, transaction, bulk.Select(c => c.Item.Recipient).Distinct().ToList(), cancellationToken);
        var settled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var candidate in bulk.Where(c => suppressed.Contains(c.Item.Recipient)))
        {
            await Sql.ExecuteAsync(connection, transaction,
                $"UPDATE outbox SET status = 'suppressed', lease_until = NULL, last_error = 'address is suppressed', {Settled} WHERE message_key = @key",
                cancellationToken, ("@key", candidate.Item.MessageKey), ("@now", now));
            settled.Add(candidate.Item.MessageKey);
        }
        return settled;
    }

    /// <summary>
    /// Records the relay's acceptance. Only the lease holder's row in 'sending' changes. Acceptances
    /// that arrive while another is being written share the next transaction (<see cref="GroupCommit{T}"/>):
    /// the task completes once this one is committed, so a crash still loses only what was in flight.
    /// </summary>
    public Task MarkSentAsync(OutboxItem item, string reply, CancellationToken cancellationToken) =>
        _sent.AddAsync(new SentRecord(item.MessageKey, item.ClaimedBy, Truncate(reply), time.GetUtcNow()));

    private readonly record struct SentRecord(string MessageKey, string? ClaimedBy, string Reply, DateTimeOffset At);

    private GroupCommit<SentRecord> _sent => LazyInitializer.EnsureInitialized(ref field, () => new GroupCommit<SentRecord>(WriteSentAsync));

    /// <summary>How many transactions recorded acceptances, and how many acceptances they carried.</summary>
    internal (long Writes, long Records) SentCommits => _sent.Totals;

    private async Task WriteSentAsync(IReadOnlyList<SentRecord> records, CancellationToken cancellationToken)
    {
        const string update = $"""
            UPDATE outbox SET status = 'sent', smtp_reply = @reply, sent_at = @now, lease_until = NULL, last_error = NULL, {Settled}
            WHERE {Held}
            """;
        await using (var connection = await connections.OpenForOutcomesAsync(cancellationToken))
        await using (var transaction = await connections.BeginWriteAsync(connection, null, cancellationToken))
        {
            await using (var statement = new RowStatement(connection, transaction, update, "@key", "@owner", "@reply", "@now"))
            {
                foreach (var record in records)
                    await statement.AddAsync([record.MessageKey, record.ClaimedBy, record.Reply, SqlValues.Instant(record.At)], cancellationToken);
                await statement.FlushAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        Changes.Bump();
    }

    /// <summary>
    /// The relay said "later" (a 4xx) or the connection broke: try again after a growing delay of the
    /// message's own (Delivery:RetryDelay, doubling per attempt, at most 6 h), or give up after
    /// <see cref="DeliveryOptions.MaxAttempts"/>.
    /// </summary>
    public Task RescheduleAsync(OutboxItem item, string error, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (item.Attempts >= settings.MaxAttempts)
            return FailAsync(item, $"gave up after {item.Attempts} attempts: {error}", BounceClass.Other, cancellationToken);
        var delay = TimeSpan.FromTicks(Math.Min(settings.RetryDelay.Ticks * (1L << Math.Min(item.Attempts - 1, 20)), TimeSpan.FromHours(6).Ticks));
        return ExecuteAsync($"""
            UPDATE outbox SET status = 'pending', next_attempt_at = @next, lease_until = NULL, last_error = @error
            WHERE {Held}
            """, cancellationToken, ("@key", item.MessageKey), ClaimOf(item), ("@next", SqlValues.Instant(time.GetUtcNow() + delay)), ("@error", Truncate(error)));
    }

    /// <summary>Puts a claimed message back as it was (not counted as an attempt): shutdown, a paused edition, or a set-up error on our side.</summary>
    public Task ReleaseAsync(OutboxItem item, TimeSpan after, string? error, CancellationToken cancellationToken) =>
        ExecuteAsync($"""
            UPDATE outbox SET status = 'pending', attempts = attempts - 1, next_attempt_at = @next, lease_until = NULL,
                last_error = COALESCE(@error, last_error)
            WHERE {Held}
            """, cancellationToken, ("@key", item.MessageKey), ClaimOf(item), ("@next", SqlValues.Instant(time.GetUtcNow() + after)), ("@error", SqlValues.OrNull(error is null ? null : Truncate(error))));

    /// <summary>A permanent failure, with its class (whether the address goes is the caller's decision).</summary>
    public Task FailAsync(OutboxItem item, string error, BounceClass failureClass, CancellationToken cancellationToken) =>
        ExecuteAsync($"""
            UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = @error, failure_class = @class, {Settled}
            WHERE {Held}
            """, cancellationToken, ("@key", item.MessageKey), ClaimOf(item), ("@error", Truncate(error)), ("@class", FailureClassText.Of(failureClass)),
            ("@now", SqlValues.Instant(time.GetUtcNow())));

    /// <summary>
    /// Claims left by a process of this machine that is gone (crashed or killed), or by an earlier
    /// life of this very process id (a restarted container): they go back to the queue at once instead
    /// of waiting out their lease. Claims of live processes and of other machines keep their lease.
    /// Returns how many messages were released.
    /// </summary>
    public async Task<int> ReleaseOrphanedClaimsAsync(string currentOwner, CancellationToken cancellationToken)
    {
        var machine = ClaimOwner.MachineOf(currentOwner);
        var orphaned = new List<string>();
        await using (var connection = await connections.OpenAsync(cancellationToken))
        await using (var command = Sql.Command(connection, null, "SELECT DISTINCT leased_by FROM outbox WHERE status = 'sending' AND leased_by IS NOT NULL"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var owner = reader.GetString(0);
                if (owner != currentOwner && ClaimOwner.MachineOf(owner) == machine && !ClaimOwner.IsAlive(owner, currentOwner))
                    orphaned.Add(owner);
            }
        }
        var released = 0;
        foreach (var owner in orphaned)
        {
            await using var connection = await connections.OpenAsync(cancellationToken);
            released += await Sql.ExecuteAsync(connection, null, """
                UPDATE outbox SET status = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, lease_until = NULL, leased_by = NULL, next_attempt_at = @now,
                    last_error = COALESCE(last_error, 'released after its sender stopped')
                WHERE status = 'sending' AND leased_by = @owner
                """, cancellationToken, ("@owner", owner), ("@now", SqlValues.Instant(time.GetUtcNow())));
        }
        if (released > 0)
            await QueueMovedAsync(cancellationToken);
        return released;
    }

    /// <summary>The stored state of one message (for tests and troubleshooting).</summary>
    public async Task<(OutboxStatus Status, int Attempts, string? LastError, string? Reply)?> GetAsync(string messageKey, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, attempts, last_error, smtp_reply FROM outbox WHERE message_key = @key";
        command.Parameters.AddWithValue("@key", messageKey);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return (EnumText.Parse<OutboxStatus>(reader.GetString(0), "outbox status"), reader.GetInt32(1),
            reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
    }

    /// <summary>
    /// How many messages wait (pending) and are out with a sender (sending). Settled rows are not
    /// counted: they pile up for good, while these two follow the queue, and the count reads them as a
    /// range of ix_outbox_due (status first), so it costs the queue's length, not the table's.
    /// </summary>
    public async Task<(long Pending, long Sending)> CountWaitingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, WaitingCountSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        long pending = 0, sending = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetString(0) == "pending")
                pending = reader.GetInt64(1);
            else
                sending = reader.GetInt64(1);
        }
        return (pending, sending);
    }

    internal const string WaitingCountSql = "SELECT status, COUNT(*) FROM outbox WHERE status IN ('pending', 'sending') GROUP BY status";

    // Bodies are content-addressed (the key is their hash), so a cached one can never be stale.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, MessageBody> _bodies = new(StringComparer.Ordinal);

    private async Task<MessageBody> BodyAsync(DbConnection connection, DbTransaction transaction, string bodyKey, CancellationToken cancellationToken)
    {
        if (_bodies.TryGetValue(bodyKey, out var cached))
            return cached;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT subject, text_body, html_body FROM outbox_bodies WHERE body_key = @key";
        command.Parameters.AddWithValue("@key", bodyKey);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new InvalidOperationException($"outbox body {bodyKey} is missing");
        var body = new MessageBody(reader.GetString(0), reader.GetString(1), reader.GetString(2));
        if (_bodies.Count > 100)
            _bodies.Clear(); // a handful of editions at a time; never grow without bound
        _bodies[bodyKey] = body;
        return body;
    }

    /// <summary>
    /// What settling a message clears: its personal values (live confirm, preferences and unsubscribe
    /// links) are needed to compose it, never after; a sent message's row must not keep capabilities.
    /// </summary>
    internal const string Settled = "variables_json = '{}', unsubscribe_url = NULL, settled_at = @now";

    /// <summary>
    /// The row a settle may change: the message still claimed by whoever settles it. A sender slower
    /// than its lease, whose messages another sender took over, must not requeue them (a third send)
    /// nor record its outcome over the new holder's.
    /// </summary>
    private const string Held = "message_key = @key AND status = 'sending' AND leased_by = @owner";

    private static (string, object) ClaimOf(OutboxItem item) => ("@owner", (object?)item.ClaimedBy ?? DBNull.Value);

    /// <summary>Records a claimed message's outcome (see <see cref="Database.OpenForOutcomesAsync"/>: its lease covers a record lost with the database server).</summary>
    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using (var connection = await connections.OpenForOutcomesAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
                command.Parameters.AddWithValue(name, value);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        Changes.Bump();
    }

    internal static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000];
}
