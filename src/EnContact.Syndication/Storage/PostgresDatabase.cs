using System.Buffers.Binary;
using System.Data;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace EnContact.Syndication.Storage;

/// <summary>
/// One PostgreSQL database shared by any number of gateway processes. Read-modify-writes hold a
/// transaction-scoped advisory lock on what they read; claims skip rows another process holds;
/// changes are announced with <c>NOTIFY</c> on the <see cref="Channel"/> channel; a role has one
/// leader at a time through a session advisory lock, freed by PostgreSQL when the leader dies.
/// </summary>
public sealed class PostgresDatabase : Database
{
    /// <summary>The channel every gateway process listens on; a notification's payload is its topic.</summary>
    public const string Channel = "encontact_changes";

    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlDataSource _outcomes;

    public PostgresDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Description = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
        _source = NpgsqlDataSource.Create(builder);
        var outcomes = new NpgsqlConnectionStringBuilder(connectionString);
        outcomes.Options = $"{outcomes.Options} -c synchronous_commit=off".Trim();
        _outcomes = NpgsqlDataSource.Create(outcomes);
    }

    public override StorageProvider Provider => StorageProvider.PostgreSql;

    public override string Description { get; }

    public override int MaxListSize => 10_000;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _source.OpenConnectionAsync(cancellationToken);

    /// <summary>Connections of a pool of their own, whose sessions run with <c>synchronous_commit = off</c>.</summary>
    public override async Task<DbConnection> OpenForOutcomesAsync(CancellationToken cancellationToken) =>
        await _outcomes.OpenConnectionAsync(cancellationToken);

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, string? scope, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        if (scope is null)
            return transaction;
        try
        {
            await Sql.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("@key", LockKey(scope)));
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    public override string SkipLocked(string alias) => $" FOR UPDATE OF {alias} SKIP LOCKED";

    public override string InList(DbCommand command, string column, string name, IReadOnlyCollection<string> values)
    {
        command.Parameters.AddWithValue(name, values.ToArray());
        return $"{column} = ANY({name})";
    }

    public override async Task AnnounceAsync(string topic, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, null, $"SELECT pg_notify('{Channel}', @topic)", cancellationToken, ("@topic", topic));
    }

    public override async Task<Leadership?> TryLeadAsync(string role, CancellationToken cancellationToken)
    {
        var connection = await _source.OpenConnectionAsync(cancellationToken);
        try
        {
            if (await Sql.ScalarAsync(connection, null, "SELECT pg_try_advisory_lock(@key)", cancellationToken, ("@key", LockKey("lead:" + role))) is true)
                return new SessionLock(role, connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>A connection of its own for <c>LISTEN</c>: notifications arrive on the session that listens.</summary>
    public async Task<NpgsqlConnection> OpenListenerAsync(CancellationToken cancellationToken)
    {
        var connection = await _source.OpenConnectionAsync(cancellationToken);
        try
        {
            await Sql.ExecuteAsync(connection, null, $"LISTEN {Channel}", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await _outcomes.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>A stable 64-bit advisory lock key for a name, the same in every process and release.</summary>
    public static long LockKey(string scope) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("encontact:" + scope)));

    /// <summary>Held while its connection lives: PostgreSQL frees a session lock when the session ends, so a dead leader frees its role.</summary>
    private sealed class SessionLock(string role, NpgsqlConnection connection) : Leadership
    {
        public override string Role => role;

        public override async Task<bool> IsHeldAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await Sql.ScalarAsync(connection, null, "SELECT 1", cancellationToken) is not null;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                return false;
            }
        }

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await Sql.ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("@key", LockKey("lead:" + role)));
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                // The session is gone, and its lock with it.
            }
            await connection.DisposeAsync();
        }
    }
}
