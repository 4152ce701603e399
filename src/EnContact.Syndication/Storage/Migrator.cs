using System.Data.Common;
using System.Reflection;
using System.Text.RegularExpressions;

namespace EnContact.Syndication.Storage;

/// <summary>
/// Applies the numbered <c>Storage/Migrations/NNNN_name.sql</c> scripts that the database has not
/// seen yet, each in its own transaction together with the row that records it. A migration is
/// never edited once shipped: a change is a new, higher-numbered file. Scripts are portable SQL; where
/// PostgreSQL needs other words, <c>NNNN_name.postgresql.sql</c> stands in for the script there.
/// </summary>
public sealed partial class Migrator(Database connections, TimeProvider time, ILogger<Migrator> logger)
{
    public sealed record Migration(int Version, string Name, string Sql);

    private static readonly IReadOnlyList<(Migration Portable, Migration? Postgres)> Embedded = LoadEmbedded();

    /// <summary>Every migration, as SQLite runs them.</summary>
    public static IReadOnlyList<Migration> All { get; } = Embedded.Select(m => m.Portable).ToList();

    /// <summary>Every migration, as <paramref name="provider"/> runs them.</summary>
    public static IReadOnlyList<Migration> For(StorageProvider provider) =>
        provider == StorageProvider.PostgreSql ? Embedded.Select(m => m.Postgres ?? m.Portable).ToList() : All;

    /// <summary>Applies pending migrations up to <paramref name="upToVersion"/> (all when null) and returns the ones applied.</summary>
    public async Task<IReadOnlyList<Migration>> MigrateAsync(CancellationToken cancellationToken, int? upToVersion = null)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await EnsureHistoryTableAsync(connection, cancellationToken);

        var applied = new List<Migration>();
        foreach (var migration in For(connections.Provider).Where(m => upToVersion is null || m.Version <= upToVersion))
        {
            // The write lock first (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so that
            // processes starting together apply each migration once.
            await using var transaction = await connections.BeginWriteAsync(connection, "migrations", cancellationToken);
            if (await IsAppliedAsync(connection, transaction, migration.Version, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                continue;
            }

            await using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = migration.Sql;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)";
                record.Parameters.AddWithValue("@version", migration.Version);
                record.Parameters.AddWithValue("@name", migration.Name);
                record.Parameters.AddWithValue("@at", SqlValues.Instant(time.GetUtcNow()));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            applied.Add(migration);
            logger.LogInformation("Applied migration {Version:0000} {Name} to {Database}", migration.Version, migration.Name, connections.Description);
        }

        return applied;
    }

    /// <summary>The versions recorded as applied, in order.</summary>
    public async Task<IReadOnlyList<int>> AppliedVersionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await EnsureHistoryTableAsync(connection, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM schema_migrations ORDER BY version";
        var versions = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            versions.Add(reader.GetInt32(0));
        return versions;
    }

    /// <summary>Under the migrations' lock: two processes creating the table at once would collide on PostgreSQL.</summary>
    private async Task EnsureHistoryTableAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connections.BeginWriteAsync(connection, "migrations", cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     INTEGER      NOT NULL PRIMARY KEY,
                name        VARCHAR(200) NOT NULL,
                applied_at  VARCHAR(32)  NOT NULL
            )
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<bool> IsAppliedAsync(DbConnection connection, DbTransaction transaction, int version, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE version = @version";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@version";
        parameter.Value = version;
        command.Parameters.Add(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) > 0;
    }

    private static List<(Migration Portable, Migration? Postgres)> LoadEmbedded()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var portable = new List<Migration>();
        var postgres = new Dictionary<int, Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = MigrationName().Match(resource);
            if (!match.Success)
                continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var migration = new Migration(int.Parse(match.Groups[1].Value), match.Groups[2].Value, reader.ReadToEnd());
            if (match.Groups[3].Success)
                postgres.Add(migration.Version, migration);
            else
                portable.Add(migration);
        }

        portable.Sort((a, b) => a.Version.CompareTo(b.Version));
        var duplicate = portable.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two migrations share the number {duplicate.Key:0000}.");
        if (postgres.Keys.FirstOrDefault(version => portable.All(m => m.Version != version)) is var orphan and > 0)
            throw new InvalidOperationException($"Migration {orphan:0000} has a PostgreSQL script but no portable one.");
        return portable.Select(m => (m, postgres.GetValueOrDefault(m.Version))).ToList();
    }

    [GeneratedRegex(@"^Migrations\.(\d{4})_([a-z0-9_]+)(\.postgresql)?\.sql$")]
    private static partial Regex MigrationName();
}
