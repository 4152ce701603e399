using EnContact.Syndication.Storage;
using static EnContact.Syndication.Storage.Sql;
using System.Data.Common;

namespace EnContact.Syndication.Subscribers;

/// <summary>What operators do with subscribers: search, count, import, export, erase.</summary>
public sealed partial class SubscriberStore
{
    public async Task<SubscriberPage> ListAsync(SubscriberQuery query, CancellationToken cancellationToken)
    {
        var conditions = new List<string>();
        var parameters = new List<(string, object)>();
        if (query.Status is { } status)
        {
            conditions.Add("s.status = @status");
            parameters.Add(("@status", EnumText.Of(status)));
        }
        if (!string.IsNullOrEmpty(query.Section))
        {
            conditions.Add("(s.all_sections = 1 OR EXISTS (SELECT 1 FROM subscriber_sections x WHERE x.subscriber_id = s.subscriber_id AND x.section = @section))");
            parameters.Add(("@section", query.Section));
        }
        if (!string.IsNullOrEmpty(query.Search))
        {
            // A plain substring: % and _ typed by the operator are matched literally.
            conditions.Add("s.search_key LIKE @search ESCAPE '\\'");
            parameters.Add(("@search", "%" + query.Search.ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%"));
        }
        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var page = Math.Max(query.Page, 1);

        await using var connection = await connections.OpenAsync(cancellationToken);
        long total;
        await using (var count = Command(connection, null, $"SELECT COUNT(*) FROM subscribers s {where}", parameters.ToArray()))
            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken));
        var items = await QueryAsync(connection, null, where, [.. parameters, ("@limit", pageSize), ("@offset", (page - 1L) * pageSize)],
            cancellationToken, "ORDER BY s.created_at DESC, s.subscriber_id LIMIT @limit OFFSET @offset");
        return new SubscriberPage(items, total, page, pageSize);
    }

    /// <summary>
    /// Counts by status, the active subscribers whose address is suppressed (they get nothing), and the
    /// readers of each section among those who can be mailed (active, not suppressed).
    /// </summary>
    public async Task<SubscriberCounts> CountsAsync(IReadOnlyList<string> sections, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var byStatus = Enum.GetValues<SubscriberStatus>().ToDictionary(EnumText.Of, _ => 0L);
        await using (var command = Command(connection, null, "SELECT status, COUNT(*) FROM subscribers GROUP BY status"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                byStatus[reader.GetString(0)] = reader.GetInt64(1);

        const string Mailable = "s.status = 'active' AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.address = s.address)";
        var suppressed = Convert.ToInt64(await ScalarAsync(connection, null,
            "SELECT COUNT(*) FROM subscribers s WHERE s.status = 'active' AND EXISTS (SELECT 1 FROM suppressions x WHERE x.address = s.address)", cancellationToken));
        var allSections = Convert.ToInt64(await ScalarAsync(connection, null, $"SELECT COUNT(*) FROM subscribers s WHERE {Mailable} AND s.all_sections = 1", cancellationToken));
        var bySection = sections.ToDictionary(section => section, _ => allSections);
        await using (var command = Command(connection, null, $"""
            SELECT x.section, COUNT(*) FROM subscriber_sections x JOIN subscribers s ON s.subscriber_id = x.subscriber_id
            WHERE {Mailable} AND s.all_sections = 0 GROUP BY x.section
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                bySection[reader.GetString(0)] = bySection.GetValueOrDefault(reader.GetString(0), allSections) + reader.GetInt64(1);
        var mailable = Convert.ToInt64(await ScalarAsync(connection, null, $"SELECT COUNT(*) FROM subscribers s WHERE {Mailable}", cancellationToken));
        return new SubscriberCounts(byStatus, mailable, suppressed, bySection);
    }

    /// <summary>
    /// Imports rows whose consent was given elsewhere (already validated). New addresses become
    /// active; pending ones are activated; active and paused ones are left as they are; unsubscribed
    /// or suppressed addresses are refused: only the person can undo that, by confirming again.
    /// With <paramref name="dryRun"/> everything is checked and reported, and nothing is written.
    /// </summary>
    public async Task<IReadOnlyList<ImportOutcome>> ImportAsync(IReadOnlyList<ImportRow> rows, bool dryRun, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var outcomes = new List<ImportOutcome>(rows.Count);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "subscribers", cancellationToken);
        var now = SqlValues.Instant(time.GetUtcNow());
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (outcomes.Count % 1000 == 999)
                progress?.Report(outcomes.Count + 1);
            if (await SuppressionOfAsync(connection, transaction, row.Address, cancellationToken) is { } reason)
            {
                outcomes.Add(new ImportOutcome(row.Line, row.Address, ImportResult.Rejected, $"the address is suppressed ({reason}); only the person can subscribe again, by confirming"));
                continue;
            }
            var status = await ScalarAsync(connection, transaction, "SELECT status FROM subscribers WHERE address = @address", cancellationToken, ("@address", row.Address)) as string;
            switch (status)
            {
                case null:
                    var id = NewId();
                    await ExecuteAsync(connection, transaction, """
                        INSERT INTO subscribers (subscriber_id, address, name, search_key, status, all_sections, consent_at, consent_source, confirm_day_count, created_at, updated_at, confirmed_at)
                        VALUES (@id, @address, @name, @key, 'active', @all, @consent, @source, 0, @now, @now, @consent)
                        """, cancellationToken, ("@id", id), ("@address", row.Address), ("@name", SqlValues.OrNull(row.Name)), ("@key", SearchKey(row.Address, row.Name)), ("@all", row.Sections is null ? 1 : 0),
                        ("@consent", SqlValues.Instant(row.ConsentAt)), ("@source", row.ConsentSource), ("@now", now));
                    await WriteSectionsAsync(connection, transaction, id, row.Sections, cancellationToken);
                    outcomes.Add(new ImportOutcome(row.Line, row.Address, ImportResult.Created, null));
                    break;
                case "pending":
                    var pendingId = (string)(await ScalarAsync(connection, transaction, "SELECT subscriber_id FROM subscribers WHERE address = @address", cancellationToken, ("@address", row.Address)))!;
                    await ExecuteAsync(connection, transaction, """
                        UPDATE subscribers SET status = 'active', name = COALESCE(@name, name), search_key = CASE WHEN @name IS NULL THEN search_key ELSE @key END,
                            all_sections = @all, consent_at = @consent, consent_source = @source,
                            confirmed_at = @consent, updated_at = @now
                        WHERE subscriber_id = @id
                        """, cancellationToken, ("@id", pendingId), ("@name", SqlValues.OrNull(row.Name)), ("@key", SearchKey(row.Address, row.Name)), ("@all", row.Sections is null ? 1 : 0),
                        ("@consent", SqlValues.Instant(row.ConsentAt)), ("@source", row.ConsentSource), ("@now", now));
                    await WriteSectionsAsync(connection, transaction, pendingId, row.Sections, cancellationToken);
                    await ForgetRequestsAsync(connection, transaction, pendingId, cancellationToken);
                    outcomes.Add(new ImportOutcome(row.Line, row.Address, ImportResult.Activated, null));
                    break;
                case "unsubscribed":
                    outcomes.Add(new ImportOutcome(row.Line, row.Address, ImportResult.Rejected, "the address unsubscribed; only the person can subscribe again, by confirming"));
                    break;
                default:
                    outcomes.Add(new ImportOutcome(row.Line, row.Address, ImportResult.Unchanged, $"already {status}; settings kept"));
                    break;
            }
        }
        if (dryRun)
            await transaction.RollbackAsync(cancellationToken);
        else
            await transaction.CommitAsync(cancellationToken);
        return outcomes;
    }

    /// <summary>Every subscriber, oldest first, streamed (the export of 100,000 does not sit in memory).</summary>
    public async IAsyncEnumerable<Subscriber> ExportAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            await using var connection = await connections.OpenAsync(cancellationToken);
            var batch = await QueryAsync(connection, null, after is null ? "" : "WHERE s.subscriber_id > @after",
                after is null ? [] : [("@after", after)], cancellationToken, "ORDER BY s.subscriber_id LIMIT 1000");
            foreach (var subscriber in batch)
                yield return subscriber;
            if (batch.Count < 1000)
                yield break;
            after = batch[^1].Id;
        }
    }

    private const string Mailable = "s.status = 'active' AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.address = s.address)";

    /// <summary>Everyone the digest may mail now (active, not suppressed), with their sections, in one list (for small lists and measurements).</summary>
    public async Task<IReadOnlyList<Recipient>> MailableAsync(CancellationToken cancellationToken)
    {
        var recipients = new List<Recipient>();
        await foreach (var page in MailablePagesAsync(10_000, cancellationToken))
            recipients.AddRange(page);
        return recipients;
    }

    /// <summary>
    /// Everyone the digest may mail now, <paramref name="pageSize"/> at a time in subscriber id order,
    /// so that an edition of a million readers never holds them all in memory. Each page is read
    /// when the previous one has been used.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<Recipient>> MailablePagesAsync(int pageSize, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = "";
        while (true)
        {
            var page = await MailablePageAsync(after, pageSize, cancellationToken);
            if (page.Count == 0)
                yield break;
            yield return page;
            if (page.Count < pageSize)
                yield break;
            after = page[^1].Id;
        }
    }

    private async Task<List<Recipient>> MailablePageAsync(string after, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = new List<(string Id, string Address, string? Name, bool All)>(pageSize);
        await using (var command = Command(connection, null, $"SELECT s.subscriber_id, s.address, s.name, s.all_sections FROM subscribers s WHERE {Mailable} AND s.subscriber_id > @after ORDER BY s.subscriber_id LIMIT @limit",
            ("@after", after), ("@limit", pageSize)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                rows.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3) == 1));
        var sections = await SectionsOfAsync(connection, null, rows.Where(r => !r.All).Select(r => r.Id).ToList(), cancellationToken);
        return rows.Select(r => new Recipient(r.Id, r.Address, r.Name, r.All ? null : sections.GetValueOrDefault(r.Id) ?? [])).ToList();
    }

    /// <summary>
    /// Deletes pending subscribers created before <paramref name="cutoff"/> and not mailed since: a request
    /// nobody confirmed is not consent, and its address should not be kept. Returns how many.
    /// </summary>
    public async Task<int> PurgeStalePendingAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "subscribers", cancellationToken);
        const string Stale = "status = 'pending' AND created_at < @cutoff AND (confirm_sent_at IS NULL OR confirm_sent_at < @cutoff)";
        foreach (var child in new[] { "subscriber_sections", "confirmation_requests" })
            await ExecuteAsync(connection, transaction, $"DELETE FROM {child} WHERE subscriber_id IN (SELECT subscriber_id FROM subscribers WHERE {Stale})",
                cancellationToken, ("@cutoff", SqlValues.Instant(cutoff)));
        var purged = await ExecuteAsync(connection, transaction, $"DELETE FROM subscribers WHERE {Stale}", cancellationToken, ("@cutoff", SqlValues.Instant(cutoff)));
        await transaction.CommitAsync(cancellationToken);
        return purged;
    }

    /// <summary>
    /// Right to erasure: removes the subscriber, every queued or sent message to the address and the
    /// paying member with that address, if any (with the record of where their feeds were read from). With
    /// <paramref name="keepSuppression"/> a hash of the address stays so that no import brings it back
    /// (the person can still subscribe again and confirm). Returns what was removed.
    /// </summary>
    public async Task<ErasureReport> EraseAsync(string address, bool keepSuppression, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "subscribers", cancellationToken);
        var id = await ScalarAsync(connection, transaction, "SELECT subscriber_id FROM subscribers WHERE address = @address", cancellationToken, ("@address", address)) as string;
        if (id is not null)
        {
            await ExecuteAsync(connection, transaction, "DELETE FROM subscriber_sections WHERE subscriber_id = @id", cancellationToken, ("@id", id));
            await ForgetRequestsAsync(connection, transaction, id, cancellationToken);
            await ExecuteAsync(connection, transaction, "DELETE FROM subscribers WHERE subscriber_id = @id", cancellationToken, ("@id", id));
        }
        var messages = await ExecuteAsync(connection, transaction, "DELETE FROM outbox WHERE recipient = @address", cancellationToken, ("@address", address));
        // A paying member with this address goes too (the paywall must forget them as well, or its next sync brings them back).
        await ExecuteAsync(connection, transaction, "DELETE FROM member_clients WHERE external_id IN (SELECT external_id FROM members WHERE address = @address)",
            cancellationToken, ("@address", address.ToLowerInvariant()));
        var members = await ExecuteAsync(connection, transaction, "DELETE FROM members WHERE address = @address", cancellationToken, ("@address", address.ToLowerInvariant()));
        // The record of reports that came back (bounces, complaints) about the address goes with its messages.
        await ExecuteAsync(connection, transaction, "DELETE FROM bounce_events WHERE address_hash = @hash", cancellationToken, ("@hash", personalData.AddressHash(address)));
        await LiftSuppressionAsync(connection, transaction, address, cancellationToken);
        if (keepSuppression)
            await ExecuteAsync(connection, transaction, "INSERT INTO suppression_hashes (address_hash, reason, created_at) VALUES (@hash, 'erased on request', @now) ON CONFLICT (address_hash) DO NOTHING",
                cancellationToken, ("@hash", personalData.AddressHash(address)), ("@now", SqlValues.Instant(time.GetUtcNow())));
        await transaction.CommitAsync(cancellationToken);
        return new ErasureReport(id is not null, messages, keepSuppression) { MembersRemoved = members };
    }
}

public sealed record SubscriberQuery
{
    public SubscriberStatus? Status { get; init; }
    public string? Section { get; init; }
    /// <summary>Part of an address or a name.</summary>
    public string? Search { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = 50;
}

public sealed record SubscriberPage(IReadOnlyList<Subscriber> Items, long Total, int Page, int PageSize);

/// <summary>For the dashboard: subscribers by status, how many can be mailed, active but suppressed, readers per section.</summary>
public sealed record SubscriberCounts(IReadOnlyDictionary<string, long> ByStatus, long Mailable, long ActiveButSuppressed, IReadOnlyDictionary<string, long> BySection);

/// <summary>One valid row of an import file.</summary>
public sealed record ImportRow(int Line, string Address, string? Name, DateTimeOffset ConsentAt, string ConsentSource, IReadOnlyList<string>? Sections);

public enum ImportResult
{
    Created,
    Activated,
    Unchanged,
    Rejected,
}

public sealed record ImportOutcome(int Line, string? Address, ImportResult Result, string? Reason);

public sealed record ErasureReport(bool SubscriberRemoved, int MessagesRemoved, bool SuppressionHashKept)
{
    /// <summary>Paying members with the address removed from the members' list (0 or 1).</summary>
    public int MembersRemoved { get; init; }
}

/// <summary>A subscriber the digest may mail: active and not suppressed. <see cref="Sections"/> null means all.</summary>
public sealed record Recipient(string Id, string Address, string? Name, IReadOnlyList<string>? Sections);
