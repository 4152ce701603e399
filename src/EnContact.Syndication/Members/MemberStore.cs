using System.Data.Common;
using EnContact.Syndication.Storage;
using static EnContact.Syndication.Storage.Sql;

namespace EnContact.Syndication.Members;

/// <summary>
/// The members table: the list the paywall keeps in sync, each member's feed nonce and token hash.
/// Instants are stored as fixed-width UTC text, so comparisons in SQL order them in time.
/// </summary>
public sealed partial class MemberStore(Database connections, MemberFeedTokens tokens, TimeProvider time)
{
    public const int MaxPageSize = 1000;

    private const string Columns = "m.external_id, m.address, m.name, m.expires_at, m.revoked_at, m.feed_nonce, m.created_at, m.updated_at";
    private const string ActiveAt = "m.revoked_at IS NULL AND (m.expires_at IS NULL OR m.expires_at > @at)";

    /// <summary>The lower-cased addresses of the members neither revoked nor expired at <paramref name="at"/>.</summary>
    public async Task<IReadOnlySet<string>> ActiveAddressesAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var addresses = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT m.address FROM members m WHERE {ActiveAt}", ("@at", SqlValues.Instant(at)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            addresses.Add(reader.GetString(0).ToLowerInvariant());
        return addresses;
    }

    public async Task<Member?> GetAsync(string externalId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return (await QueryAsync(connection, null, "WHERE m.external_id = @id", [("@id", externalId)], "", cancellationToken)).SingleOrDefault();
    }

    /// <summary>The member a private feed token belongs to, whatever its state (the caller decides), or null.</summary>
    public async Task<Member?> FindByTokenAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return (await QueryAsync(connection, null, "WHERE m.feed_token_hash = @hash", [("@hash", MemberFeedTokens.HashOf(token))], "", cancellationToken)).SingleOrDefault();
    }

    /// <summary>The active member with this (normalised) address at <paramref name="at"/>, if any; the most recently updated when several share it.</summary>
    public async Task<Member?> FindActiveByAddressAsync(string address, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return (await QueryAsync(connection, null, $"WHERE m.address = @address AND {ActiveAt}",
            [("@address", address.ToLowerInvariant()), ("@at", SqlValues.Instant(at))], "ORDER BY m.updated_at DESC, m.external_id LIMIT 1", cancellationToken)).SingleOrDefault();
    }

    public async Task<MemberPage> ListAsync(int page, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        page = Math.Max(page, 1);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var total = Convert.ToInt64(await ScalarAsync(connection, null, "SELECT COUNT(*) FROM members", cancellationToken));
        var items = await QueryAsync(connection, null, "", [("@limit", pageSize), ("@offset", (page - 1L) * pageSize)],
            "ORDER BY m.created_at DESC, m.external_id LIMIT @limit OFFSET @offset", cancellationToken);
        return new MemberPage(items, total, page, pageSize);
    }

    /// <summary>
    /// Creates or updates a member. Sending the same values again changes nothing (not even
    /// updated_at). A revoked member sent again is reinstated with a new nonce: the URL it had
    /// before its revocation, which may have been passed around, does not come back.
    /// </summary>
    public async Task<UpsertResult> UpsertAsync(MemberUpsert member, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "members", cancellationToken);
        var result = await UpsertAsync(connection, transaction, member, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    private async Task<UpsertResult> UpsertAsync(DbConnection connection, DbTransaction transaction, MemberUpsert member, CancellationToken cancellationToken)
    {
        var now = SqlValues.Instant(time.GetUtcNow());
        var expires = member.ExpiresAt is { } e ? (object)SqlValues.Instant(e) : DBNull.Value;
        var existing = (await QueryAsync(connection, transaction, "WHERE m.external_id = @id", [("@id", member.ExternalId)], "", cancellationToken)).SingleOrDefault();
        if (existing is null)
        {
            var nonce = MemberFeedTokens.NewNonce();
            await ExecuteAsync(connection, transaction, """
                INSERT INTO members (external_id, address, name, expires_at, revoked_at, feed_nonce, feed_token_hash, token_key_id, created_at, updated_at)
                VALUES (@id, @address, @name, @expires, NULL, @nonce, @hash, @key, @now, @now)
                """, cancellationToken, ("@id", member.ExternalId), ("@address", member.Address), ("@name", SqlValues.OrNull(member.Name)), ("@expires", expires),
                ("@nonce", nonce), ("@hash", tokens.HashFor(nonce)), ("@key", tokens.KeyId), ("@now", now));
            return UpsertResult.Created;
        }
        if (existing.RevokedAt is not null)
        {
            var nonce = MemberFeedTokens.NewNonce();
            await ExecuteAsync(connection, transaction, """
                UPDATE members SET address = @address, name = @name, expires_at = @expires, revoked_at = NULL,
                    feed_nonce = @nonce, feed_token_hash = @hash, token_key_id = @key, updated_at = @now
                WHERE external_id = @id
                """, cancellationToken, ("@id", member.ExternalId), ("@address", member.Address), ("@name", SqlValues.OrNull(member.Name)), ("@expires", expires),
                ("@nonce", nonce), ("@hash", tokens.HashFor(nonce)), ("@key", tokens.KeyId), ("@now", now));
            return UpsertResult.Reinstated;
        }
        if (existing.Address == member.Address && existing.Name == member.Name && existing.ExpiresAt == member.ExpiresAt)
            return UpsertResult.Unchanged;
        await ExecuteAsync(connection, transaction, """
            UPDATE members SET address = @address, name = @name, expires_at = @expires, updated_at = @now WHERE external_id = @id
            """, cancellationToken, ("@id", member.ExternalId), ("@address", member.Address), ("@name", SqlValues.OrNull(member.Name)), ("@expires", expires), ("@now", now));
        return UpsertResult.Updated;
    }

    /// <summary>
    /// Upserts every row in one transaction; with <paramref name="revokeAbsent"/>, also revokes the
    /// active members the file does not list (the file is then the whole list). Returns each row's
    /// result and the ids revoked.
    /// </summary>
    public async Task<(IReadOnlyList<UpsertResult> Results, IReadOnlyList<string> Revoked)> ImportAsync(
        IReadOnlyList<MemberUpsert> rows, bool revokeAbsent, bool dryRun, CancellationToken cancellationToken)
    {
        var results = new List<UpsertResult>(rows.Count);
        var revoked = new List<string>();
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "members", cancellationToken);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(await UpsertAsync(connection, transaction, row, cancellationToken));
        }
        if (revokeAbsent)
        {
            var listed = rows.Select(r => r.ExternalId).ToHashSet(StringComparer.Ordinal);
            var unrevoked = new List<string>();
            await using (var command = Command(connection, transaction, "SELECT external_id FROM members WHERE revoked_at IS NULL"))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken))
                    unrevoked.Add(reader.GetString(0));
            var now = SqlValues.Instant(time.GetUtcNow());
            foreach (var id in unrevoked.Where(id => !listed.Contains(id)))
            {
                await ExecuteAsync(connection, transaction, "UPDATE members SET revoked_at = @now, updated_at = @now WHERE external_id = @id", cancellationToken, ("@id", id), ("@now", now));
                revoked.Add(id);
            }
        }
        if (dryRun)
            await transaction.RollbackAsync(cancellationToken);
        else
            await transaction.CommitAsync(cancellationToken);
        return (results, revoked);
    }

    /// <summary>Revokes a member: the row stays, its feeds answer 404 from now on. False when unknown; revoking twice keeps the first instant.</summary>
    public async Task<bool> RevokeAsync(string externalId, CancellationToken cancellationToken)
    {
        var now = SqlValues.Instant(time.GetUtcNow());
        await using var connection = await connections.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "UPDATE members SET revoked_at = @now, updated_at = @now WHERE external_id = @id AND revoked_at IS NULL",
            cancellationToken, ("@id", externalId), ("@now", now));
        return await ScalarAsync(connection, null, "SELECT 1 FROM members WHERE external_id = @id", cancellationToken, ("@id", externalId)) is not null;
    }

    /// <summary>Gives a member a new nonce: the old feed URL stops at once. Returns the member as it now is, or null when unknown.</summary>
    public async Task<Member?> RotateTokenAsync(string externalId, CancellationToken cancellationToken)
    {
        var nonce = MemberFeedTokens.NewNonce();
        await using var connection = await connections.OpenAsync(cancellationToken);
        var changed = await ExecuteAsync(connection, null, """
            UPDATE members SET feed_nonce = @nonce, feed_token_hash = @hash, token_key_id = @key, updated_at = @now WHERE external_id = @id
            """, cancellationToken, ("@id", externalId), ("@nonce", nonce), ("@hash", tokens.HashFor(nonce)), ("@key", tokens.KeyId), ("@now", SqlValues.Instant(time.GetUtcNow())));
        return changed == 0 ? null : (await QueryAsync(connection, null, "WHERE m.external_id = @id", [("@id", externalId)], "", cancellationToken)).SingleOrDefault();
    }

    /// <summary>
    /// Re-hashes the rows hashed under another secret (after <c>Members:FeedTokenSecret</c> changed),
    /// so that the URL the preferences page shows is the one that works. Returns how many.
    /// </summary>
    public async Task<int> RehashAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var stale = new List<(string Id, string Nonce)>();
        await using (var command = Command(connection, null, "SELECT external_id, feed_nonce FROM members WHERE token_key_id <> @key", ("@key", tokens.KeyId)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                stale.Add((reader.GetString(0), reader.GetString(1)));
        if (stale.Count == 0)
            return 0;
        await using var transaction = await connections.BeginWriteAsync(connection, "members", cancellationToken);
        foreach (var (id, nonce) in stale)
            await ExecuteAsync(connection, transaction, "UPDATE members SET feed_token_hash = @hash, token_key_id = @key WHERE external_id = @id AND feed_nonce = @nonce",
                cancellationToken, ("@id", id), ("@nonce", nonce), ("@hash", tokens.HashFor(nonce)), ("@key", tokens.KeyId));
        await transaction.CommitAsync(cancellationToken);
        return stale.Count;
    }

    private static async Task<List<Member>> QueryAsync(DbConnection connection, DbTransaction? transaction, string where,
        (string, object)[] parameters, string tail, CancellationToken cancellationToken)
    {
        var members = new List<Member>();
        await using var command = Command(connection, transaction, $"SELECT {Columns} FROM members m {where} {tail}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            members.Add(new Member(
                reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : SqlValues.ReadInstant(reader.GetString(3)),
                reader.IsDBNull(4) ? null : SqlValues.ReadInstant(reader.GetString(4)),
                reader.GetString(5), SqlValues.ReadInstant(reader.GetString(6)), SqlValues.ReadInstant(reader.GetString(7))));
        return members;
    }
}
