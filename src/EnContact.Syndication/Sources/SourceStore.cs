using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Sources;

/// <summary>What a poll of one upstream feed left behind: its validators, its schedule, its failures.</summary>
public sealed record SourceState
{
    public required string Name { get; init; }
    public string? ETag { get; init; }
    public string? LastModified { get; init; }
    public DateTimeOffset? LastPollAt { get; init; }
    public string? LastOutcome { get; init; }
    public DateTimeOffset? NextPollAt { get; init; }
    public int ConsecutiveFailures { get; init; }
    public DateTimeOffset? BackfilledAt { get; init; }
    /// <summary>Items seen so far (read, never written).</summary>
    public int ItemCount { get; init; }
}

/// <summary>One item an upstream feed carried: the article it feeds and the hash of what it said.</summary>
public sealed record SeenItem(string Key, string ArticleId, string ContentHash, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt);

/// <summary>The SQL of the upstream sources: their state and the items each has carried.</summary>
public sealed class SourceStore(Database connections)
{
    private const string StateColumns = "s.name, s.etag, s.last_modified, s.last_poll_at, s.last_outcome, s.next_poll_at, s.consecutive_failures, s.backfilled_at";

    public async Task<SourceState?> GetAsync(string name, CancellationToken cancellationToken) =>
        (await ReadStatesAsync("WHERE s.name = @name", name, cancellationToken)).FirstOrDefault();

    public Task<List<SourceState>> ListAsync(CancellationToken cancellationToken) => ReadStatesAsync("", null, cancellationToken);

    private async Task<List<SourceState>> ReadStatesAsync(string where, string? name, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {StateColumns}, (SELECT COUNT(*) FROM upstream_items i WHERE i.source = s.name) FROM upstream_sources s {where} ORDER BY s.name";
        if (name is not null)
            command.Parameters.AddWithValue("@name", name);
        var states = new List<SourceState>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            states.Add(new SourceState
            {
                Name = reader.GetString(0),
                ETag = reader.IsDBNull(1) ? null : reader.GetString(1),
                LastModified = reader.IsDBNull(2) ? null : reader.GetString(2),
                LastPollAt = reader.IsDBNull(3) ? null : SqlValues.ReadInstant(reader.GetString(3)),
                LastOutcome = reader.IsDBNull(4) ? null : reader.GetString(4),
                NextPollAt = reader.IsDBNull(5) ? null : SqlValues.ReadInstant(reader.GetString(5)),
                ConsecutiveFailures = Convert.ToInt32(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture),
                BackfilledAt = reader.IsDBNull(7) ? null : SqlValues.ReadInstant(reader.GetString(7)),
                ItemCount = Convert.ToInt32(reader.GetValue(8), System.Globalization.CultureInfo.InvariantCulture),
            });
        }
        return states;
    }

    public async Task SaveAsync(SourceState state, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO upstream_sources (name, etag, last_modified, last_poll_at, last_outcome, next_poll_at, consecutive_failures, backfilled_at)
            VALUES (@name, @etag, @lastModified, @lastPoll, @outcome, @nextPoll, @failures, @backfilled)
            ON CONFLICT (name) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, last_poll_at = excluded.last_poll_at,
                last_outcome = excluded.last_outcome, next_poll_at = excluded.next_poll_at, consecutive_failures = excluded.consecutive_failures,
                backfilled_at = excluded.backfilled_at
            """;
        var p = command.Parameters;
        p.AddWithValue("@name", state.Name);
        p.AddWithValue("@etag", SqlValues.OrNull(state.ETag));
        p.AddWithValue("@lastModified", SqlValues.OrNull(state.LastModified));
        p.AddWithValue("@lastPoll", state.LastPollAt is { } poll ? SqlValues.Instant(poll) : DBNull.Value);
        p.AddWithValue("@outcome", SqlValues.OrNull(state.LastOutcome));
        p.AddWithValue("@nextPoll", state.NextPollAt is { } next ? SqlValues.Instant(next) : DBNull.Value);
        p.AddWithValue("@failures", state.ConsecutiveFailures);
        p.AddWithValue("@backfilled", state.BackfilledAt is { } backfilled ? SqlValues.Instant(backfilled) : DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Dictionary<string, SeenItem>> LoadItemsAsync(string source, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT item_key, article_id, content_hash, first_seen_at, last_seen_at FROM upstream_items WHERE source = @source";
        command.Parameters.AddWithValue("@source", source);
        var items = new Dictionary<string, SeenItem>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            items[reader.GetString(0)] = new SeenItem(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                SqlValues.ReadInstant(reader.GetString(3)), SqlValues.ReadInstant(reader.GetString(4)));
        return items;
    }

    public async Task SaveItemAsync(string source, SeenItem item, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO upstream_items (source, item_key, article_id, content_hash, first_seen_at, last_seen_at)
            VALUES (@source, @key, @article, @hash, @first, @last)
            ON CONFLICT (source, item_key) DO UPDATE SET article_id = excluded.article_id, content_hash = excluded.content_hash,
                last_seen_at = excluded.last_seen_at
            """;
        var p = command.Parameters;
        p.AddWithValue("@source", source);
        p.AddWithValue("@key", item.Key);
        p.AddWithValue("@article", item.ArticleId);
        p.AddWithValue("@hash", item.ContentHash);
        p.AddWithValue("@first", SqlValues.Instant(item.FirstSeenAt));
        p.AddWithValue("@last", SqlValues.Instant(item.LastSeenAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Moves <c>last_seen_at</c> of items a poll saw unchanged (one statement; their articles are not touched).</summary>
    public async Task TouchItemsAsync(string source, IReadOnlyCollection<string> keys, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
            return;
        await using var connection = await connections.OpenAsync(cancellationToken);
        foreach (var chunk in keys.Chunk(connections.MaxListSize))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE upstream_items SET last_seen_at = @now WHERE source = @source AND {connections.InList(command, "item_key", "@key", chunk)}";
            command.Parameters.AddWithValue("@now", SqlValues.Instant(now));
            command.Parameters.AddWithValue("@source", source);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
