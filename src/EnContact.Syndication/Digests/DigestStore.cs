using System.Data.Common;
using System.Text.Json;
using EnContact.Syndication.Storage;
using static EnContact.Syndication.Storage.Sql;

namespace EnContact.Syndication.Digests;

/// <summary>Editions, their snapshots and the articles they carried. An edition's key is its period: it is inserted once, by whoever gets there first.</summary>
public sealed class DigestStore(Database connections, TimeProvider time)
{
    /// <summary>Moves whenever an edition's status changes, so in-process watchers (tests, the desk) can wait instead of polling.</summary>
    public VersionSignal Changes { get; } = new();

    /// <summary>The migration that made the digest tables (<c>0005_digests.sql</c>), as recorded in <c>schema_migrations</c>.</summary>
    private const string DigestsMigration = "digests";

    private const string Columns = "edition_key, number, fire_at, since, status, reason, item_count, recipients, built_at, approved_at, queued_at";
    /// <summary>Editions that went out, in whole or in part: the public archive.</summary>
    private static readonly string WentOut =
        $"status IN ({string.Join(", ", EditionStatuses.WentOut.Select(s => $"'{EnumText.Of(s)}'"))}) AND number IS NOT NULL";

    private const string OutcomeColumns = "sent_count, failed_count, suppressed_count, cancelled_count, finished_at, compliance_override, bounced_count";

    /// <summary>
    /// Inserts the edition of <paramref name="key"/> unless one exists: <paramref name="build"/> gets the
    /// next edition number and returns the snapshot (null: record the period as <paramref name="emptyStatus"/>
    /// with <paramref name="reason"/>). Returns the stored edition and whether this call created it.
    /// </summary>
    public async Task<(EditionSummary Edition, bool Created)> CreateAsync(string key, DateTimeOffset fireAt, DateTimeOffset since, Func<int, DigestSnapshot?> build,
        EditionStatus builtStatus, EditionStatus emptyStatus, string? reason, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using (var transaction = await connections.BeginWriteAsync(connection, "digest-editions", cancellationToken))
        {
            // Under the editions' write lock: a second builder (this process or another) waits here,
            // then finds the edition and stops; the number cannot be taken twice either.
            if (await ScalarAsync(connection, transaction, "SELECT 1 FROM digest_editions WHERE edition_key = @key", cancellationToken, ("@key", key)) is null)
            {
                var number = await NextNumberAsync(connection, transaction, cancellationToken);
                var snapshot = build(number);
                await ExecuteAsync(connection, transaction, $"""
                    INSERT INTO digest_editions ({Columns}, snapshot_json)
                    VALUES (@key, @number, @fire, @since, @status, @reason, @count, NULL, @now, NULL, NULL, @snapshot)
                    """, cancellationToken, ("@key", key), ("@number", snapshot is null ? DBNull.Value : number), ("@fire", SqlValues.Instant(fireAt)),
                    ("@since", SqlValues.Instant(since)), ("@status", EnumText.Of(snapshot is null ? emptyStatus : builtStatus)),
                    ("@reason", SqlValues.OrNull(snapshot is null ? reason : null)), ("@count", snapshot?.ItemCount ?? 0),
                    ("@now", SqlValues.Instant(time.GetUtcNow())), ("@snapshot", snapshot is null ? DBNull.Value : JsonSerializer.Serialize(snapshot)));
                foreach (var item in snapshot?.Sections.SelectMany(s => s.Items) ?? [])
                    await ExecuteAsync(connection, transaction, "INSERT INTO digest_items (edition_key, article_id) VALUES (@key, @article)",
                        cancellationToken, ("@key", key), ("@article", item.ArticleId));
                await transaction.CommitAsync(cancellationToken);
                await BumpedAsync(true, cancellationToken); // the desk's banner and announcement learn of a new waiting edition
                return ((await GetAsync(key, cancellationToken))!.Value.Edition, true);
            }
        }
        return ((await GetAsync(key, cancellationToken))!.Value.Edition, false);
    }

    /// <summary>The number the next edition carrying articles will get.</summary>
    public async Task<int> NextNumberAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await NextNumberAsync(connection, null, cancellationToken);
    }

    private static async Task<int> NextNumberAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken) =>
        Convert.ToInt32(await ScalarAsync(connection, transaction, "SELECT COALESCE(MAX(number), 0) + 1 FROM digest_editions", cancellationToken));

    /// <summary>Which of <paramref name="articleIds"/> an edition (other than <paramref name="exceptEdition"/>) already carried.</summary>
    public async Task<HashSet<string>> AlreadySentAsync(IReadOnlyCollection<string> articleIds, CancellationToken cancellationToken, string? exceptEdition = null)
    {
        var sent = new HashSet<string>();
        await using var connection = await connections.OpenAsync(cancellationToken);
        foreach (var chunk in articleIds.Chunk(connections.MaxListSize))
        {
            await using var command = Command(connection, null, "", ("@except", exceptEdition ?? ""));
            command.CommandText = $"SELECT DISTINCT article_id FROM digest_items WHERE {connections.InList(command, "article_id", "@ids", chunk)} AND edition_key <> @except";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                sent.Add(reader.GetString(0));
        }
        return sent;
    }

    /// <summary>The fire time of the newest edition of any status (the scheduler continues after it).</summary>
    public async Task<DateTimeOffset?> LatestFireAtAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await ScalarAsync(connection, null, "SELECT MAX(fire_at) FROM digest_editions", cancellationToken) is string text ? SqlValues.ReadInstant(text) : null;
    }

    /// <summary>
    /// Where the period of the edition firing next starts: the cut-off of the newest edition that
    /// carried articles; before any, the start of the earliest period recorded (an empty or skipped
    /// first week rolls into the first real edition); with nothing recorded, null.
    /// </summary>
    public async Task<DateTimeOffset?> PeriodStartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var text = await ScalarAsync(connection, null, "SELECT MAX(fire_at) FROM digest_editions WHERE number IS NOT NULL", cancellationToken)
            ?? await ScalarAsync(connection, null, "SELECT MIN(since) FROM digest_editions", cancellationToken);
        return text is string instant ? SqlValues.ReadInstant(instant) : null;
    }

    public async Task<(EditionSummary Edition, DigestSnapshot? Snapshot)?> GetAsync(string key, CancellationToken cancellationToken) =>
        Single(await QueryAsync("WHERE edition_key = @key", [("@key", key)], withSnapshot: true, cancellationToken));

    public async Task<(EditionSummary Edition, DigestSnapshot? Snapshot)?> GetByNumberAsync(int number, CancellationToken cancellationToken) =>
        Single(await QueryAsync("WHERE number = @number", [("@number", number)], withSnapshot: true, cancellationToken));

    private static (EditionSummary Edition, DigestSnapshot? Snapshot)? Single(List<(EditionSummary, DigestSnapshot?)> rows) => rows.Count == 0 ? null : rows[0];

    /// <summary>Every edition, newest first (without snapshots).</summary>
    public async Task<IReadOnlyList<EditionSummary>> ListAsync(CancellationToken cancellationToken) =>
        (await QueryAsync("", [], withSnapshot: false, cancellationToken)).Select(e => e.Edition).ToList();

    /// <summary>The editions that went out (the public archive), newest first, with their snapshots: one query.</summary>
    public async Task<IReadOnlyList<(EditionSummary Edition, DigestSnapshot Snapshot)>> PublishedAsync(CancellationToken cancellationToken) =>
        (await QueryAsync($"WHERE {WentOut}", [], withSnapshot: true, cancellationToken))
            .Where(e => e.Snapshot is not null).Select(e => (e.Edition, e.Snapshot!)).ToList();

    /// <summary>Editions in the given states (e.g. ready ones left by a crash before they were queued).</summary>
    public async Task<IReadOnlyList<EditionSummary>> WithStatusAsync(EditionStatus status, CancellationToken cancellationToken) =>
        (await QueryAsync("WHERE status = @status", [("@status", EnumText.Of(status))], withSnapshot: false, cancellationToken)).Select(e => e.Edition).ToList();

    /// <summary>Moves an edition from <paramref name="from"/> to <paramref name="to"/>; false when it was not in <paramref name="from"/>.</summary>
    public async Task<bool> MoveAsync(string key, EditionStatus from, EditionStatus to, int? recipients, CancellationToken cancellationToken)
    {
        var moved = await UpdateStatusAsync(key, from, to, recipients, cancellationToken);
        if (moved && to == EditionStatus.Sending)
            Published.Publish(await PublishedCountAsync(cancellationToken));
        return moved;
    }

    /// <summary>
    /// The number of editions that went out (the public archive), as a version that moves on with each
    /// one published here; <see cref="PublishedCountAsync"/> read again catches those published by another process.
    /// </summary>
    public VersionSignal Published { get; } = new();

    public async Task<long> PublishedCountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return Convert.ToInt64(await ScalarAsync(connection, null, $"SELECT COUNT(*) FROM digest_editions WHERE {WentOut}", cancellationToken));
    }

    /// <summary>When this gateway started keeping editions (its digest tables were made): the date of an archive with no letter yet.</summary>
    public async Task<DateTimeOffset> ArchiveOpenedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await ScalarAsync(connection, null, "SELECT applied_at FROM schema_migrations WHERE name = @name", cancellationToken, ("@name", DigestsMigration)) is string text
            ? SqlValues.ReadInstant(text)
            : time.GetUtcNow();
    }

    private async Task<bool> UpdateStatusAsync(string key, EditionStatus from, EditionStatus to, int? recipients, CancellationToken cancellationToken)
    {
        var now = SqlValues.Instant(time.GetUtcNow());
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await BumpedAsync(await ExecuteAsync(connection, null, """
            UPDATE digest_editions SET status = @to,
                approved_at = CASE WHEN @from = 'awaiting-approval' THEN @now ELSE approved_at END,
                queued_at = CASE WHEN @to = 'sending' THEN @now ELSE queued_at END,
                recipients = COALESCE(@recipients, recipients)
            WHERE edition_key = @key AND status = @from
            """, cancellationToken, ("@key", key), ("@from", EnumText.Of(from)), ("@to", EnumText.Of(to)), ("@now", now),
            ("@recipients", recipients is null ? DBNull.Value : recipients.Value)) == 1, cancellationToken);
    }

    /// <summary>
    /// An edition that was sending has seen its last message settle: it ends <paramref name="status"/>
    /// with its counts. False when it was not sending (already finished, or never queued).
    /// </summary>
    public async Task<bool> FinishAsync(string key, EditionStatus status, DeliveryCounts counts, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await BumpedAsync(await ExecuteAsync(connection, null, """
            UPDATE digest_editions SET status = @status, sent_count = @sent, failed_count = @failed, suppressed_count = @suppressed,
                cancelled_count = @cancelled, bounced_count = @bounced, finished_at = @now
            WHERE edition_key = @key AND status = 'sending'
            """, cancellationToken, ("@key", key), ("@status", EnumText.Of(status)), ("@sent", counts.Sent), ("@failed", counts.Failed),
            ("@suppressed", counts.Suppressed), ("@cancelled", counts.Cancelled), ("@bounced", counts.Bounced),
            ("@now", SqlValues.Instant(time.GetUtcNow()))) == 1, cancellationToken);
    }

    /// <summary>
    /// Holds a ready edition that failed the compliance gate, with <paramref name="reason"/> (every
    /// failed check); false when it was not ready (another process queued or held it first).
    /// </summary>
    public async Task<bool> HoldAsync(string key, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await BumpedAsync(await ExecuteAsync(connection, null, "UPDATE digest_editions SET status = 'held', reason = @reason WHERE edition_key = @key AND status = 'ready'",
            cancellationToken, ("@key", key), ("@reason", reason)) == 1, cancellationToken);
    }

    /// <summary>
    /// Makes a held edition ready again: to be checked once more, or, with <paramref name="override"/>
    /// (who, when, why, what failed), to be queued without the checks. False when it was not held.
    /// </summary>
    public async Task<bool> ReleaseAsync(string key, string? @override, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var released = @override is null
            ? await ExecuteAsync(connection, null, "UPDATE digest_editions SET status = 'ready' WHERE edition_key = @key AND status = 'held'", cancellationToken, ("@key", key))
            : await ExecuteAsync(connection, null, "UPDATE digest_editions SET status = 'ready', compliance_override = @override WHERE edition_key = @key AND status = 'held'",
                cancellationToken, ("@key", key), ("@override", @override));
        return await BumpedAsync(released == 1, cancellationToken);
    }

    /// <summary>
    /// One message of a finished edition, counted as sent, bounced since: it counts as failed (and an
    /// edition that had none ends "sent with failures"). Inside the caller's transaction, which marks
    /// the message, so it is counted once; the caller announces the change once committed
    /// (<see cref="AnnounceChangeAsync"/>). False for an edition still sending: its finish counts it.
    /// </summary>
    public async Task<bool> CountLateBounceAsync(DbConnection connection, DbTransaction transaction, string key, CancellationToken cancellationToken) =>
        await ExecuteAsync(connection, transaction, """
            UPDATE digest_editions SET sent_count = sent_count - 1, failed_count = failed_count + 1, bounced_count = COALESCE(bounced_count, 0) + 1,
                status = CASE WHEN status = 'sent' THEN 'sent-with-failures' ELSE status END
            WHERE edition_key = @key AND sent_count > 0
            """, cancellationToken, ("@key", key)) == 1;

    /// <summary>Tells in-process watchers and the other gateway processes that an edition changed.</summary>
    public Task AnnounceChangeAsync(CancellationToken cancellationToken) => BumpedAsync(true, cancellationToken);

    /// <summary>The topic under which edition changes reach the other gateway processes.</summary>
    public const string ChangeTopic = "digests";

    private async Task<bool> BumpedAsync(bool changed, CancellationToken cancellationToken)
    {
        if (changed)
        {
            Changes.Bump();
            await connections.AnnounceAsync(ChangeTopic, cancellationToken);
        }
        return changed;
    }

    /// <summary>Replaces a waiting edition's snapshot (same key and number) and the articles it carries; false when it is not waiting.</summary>
    public async Task<bool> ReplaceSnapshotAsync(string key, DigestSnapshot snapshot, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "digest-editions", cancellationToken);
        if (await ExecuteAsync(connection, transaction, """
            UPDATE digest_editions SET snapshot_json = @snapshot, item_count = @count, built_at = @now, reason = @reason
            WHERE edition_key = @key AND status = 'awaiting-approval'
            """, cancellationToken, ("@key", key), ("@snapshot", JsonSerializer.Serialize(snapshot)), ("@count", snapshot.ItemCount),
            ("@now", SqlValues.Instant(time.GetUtcNow())), ("@reason", reason)) == 0)
            return false;
        await ExecuteAsync(connection, transaction, "DELETE FROM digest_items WHERE edition_key = @key", cancellationToken, ("@key", key));
        foreach (var item in snapshot.Sections.SelectMany(s => s.Items))
            await ExecuteAsync(connection, transaction, "INSERT INTO digest_items (edition_key, article_id) VALUES (@key, @article)",
                cancellationToken, ("@key", key), ("@article", item.ArticleId));
        await transaction.CommitAsync(cancellationToken);
        return await BumpedAsync(true, cancellationToken);
    }

    /// <summary>
    /// Discards a waiting edition: it keeps its row (and its key stays in the ledger, so it is never
    /// built again), but gives back its number and its articles, which go into the next edition.
    /// </summary>
    public async Task<bool> DiscardAsync(string key, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "digest-editions", cancellationToken);
        if (await ExecuteAsync(connection, transaction, """
            UPDATE digest_editions SET status = 'discarded', number = NULL, reason = @reason, finished_at = @now
            WHERE edition_key = @key AND status = 'awaiting-approval'
            """, cancellationToken, ("@key", key), ("@reason", reason), ("@now", SqlValues.Instant(time.GetUtcNow()))) == 0)
            return false;
        await ExecuteAsync(connection, transaction, "DELETE FROM digest_items WHERE edition_key = @key", cancellationToken, ("@key", key));
        await transaction.CommitAsync(cancellationToken);
        return await BumpedAsync(true, cancellationToken);
    }

    private async Task<List<(EditionSummary Edition, DigestSnapshot? Snapshot)>> QueryAsync(string where, (string, object)[] parameters, bool withSnapshot, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            $"SELECT {Columns}, {(withSnapshot ? "snapshot_json" : "NULL")}, {OutcomeColumns} FROM digest_editions {where} ORDER BY fire_at DESC", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<(EditionSummary, DigestSnapshot?)>();
        while (await reader.ReadAsync(cancellationToken))
            result.Add((Read(reader), reader.IsDBNull(11) ? null : JsonSerializer.Deserialize<DigestSnapshot>(reader.GetString(11))));
        return result;
    }

    private static EditionSummary Read(DbDataReader reader) => new(
        reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1), SqlValues.ReadInstant(reader.GetString(2)), SqlValues.ReadInstant(reader.GetString(3)),
        EnumText.Parse<EditionStatus>(reader.GetString(4), "edition status"), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetInt32(7),
        SqlValues.ReadInstant(reader.GetString(8)), reader.IsDBNull(9) ? null : SqlValues.ReadInstant(reader.GetString(9)),
        reader.IsDBNull(10) ? null : SqlValues.ReadInstant(reader.GetString(10)))
    {
        Counts = reader.IsDBNull(12) ? null : new DeliveryCounts(reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14), reader.GetInt64(15),
            reader.IsDBNull(18) ? 0 : reader.GetInt64(18)),
        FinishedAt = reader.IsDBNull(16) ? null : SqlValues.ReadInstant(reader.GetString(16)),
        Override = reader.IsDBNull(17) ? null : reader.GetString(17),
    };
}
