using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EnContact.Syndication.Storage;

/// <summary>
/// Copies every table of a SQLite database into a PostgreSQL database at the same schema version.
/// It knows tables, not features: the tables are the ones SQLite's catalogue lists, the columns are
/// each table's, and their types are the target's. Everything goes in one target transaction, with
/// binary <c>COPY</c>; the row count of every table is compared with the source before it commits,
/// so the target ends with all of the source or with nothing of it. The source is read in one
/// snapshot, and a source that another process wrote to meanwhile stops the copy.
/// </summary>
public sealed class TableCopier(TimeProvider time, ILogger<TableCopier> logger)
{
    /// <summary>The migrations' own record: each database keeps its own, and the copy checks they agree.</summary>
    private const string History = "schema_migrations";

    /// <summary>
    /// Rows the migrations themselves insert, by table, as a condition they meet: a target holding only
    /// these is still empty, and the copy replaces them with the source's (the change counters start at 0).
    /// </summary>
    private static readonly Dictionary<string, string> Seeded = new(StringComparer.OrdinalIgnoreCase)
    {
        ["change_counters"] = "value = 0",
    };

    /// <summary>How long the copy waits for another process's hold on a target table (a gateway already running on it).</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(15);

    private sealed record TablePlan(string Source, string Target, IReadOnlyList<CopyColumn> Columns);

    /// <summary>A long table's progress is logged every this many rows.</summary>
    public int ProgressInterval { get; init; } = 50_000;

    /// <summary>
    /// The first of the source's tables that holds data in the target (the migrations' seeded rows do
    /// not count), or null. Reads only, so a caller can refuse a target before migrating it.
    /// </summary>
    public async Task<string?> FirstTableWithDataAsync(SqliteDatabase source, PostgresDatabase target, CancellationToken cancellationToken)
    {
        await using var from = await source.OpenAsync(cancellationToken);
        var tables = await SourceTablesAsync(from, null, cancellationToken);
        await using var to = await target.OpenAsync(cancellationToken);
        var existing = (await TargetColumnsAsync(to, null, cancellationToken)).Keys;
        foreach (var table in tables)
            if (existing.FirstOrDefault(t => Same(t, table)) is { } name && await HasDataAsync(to, null, name, cancellationToken))
                return name;
        return null;
    }

    /// <summary>
    /// Copies every table of <paramref name="source"/> into <paramref name="target"/>, both migrated to
    /// the same version. Throws <see cref="TargetNotEmptyException"/> when the target holds data, and
    /// <see cref="TableCopyException"/> when anything else stops the copy; either way the target is as it was.
    /// </summary>
    public async Task<CopyReport> CopyAsync(SqliteDatabase source, PostgresDatabase target, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        await using var from = (SqliteConnection)await source.OpenAsync(cancellationToken);
        // PRAGMA data_version moves when another connection commits: compared after the copy, it tells
        // whether a gateway still running on the file wrote something the snapshot does not hold.
        var sourceVersion = await DataVersionAsync(from, cancellationToken);
        await using var snapshot = from.BeginTransaction(deferred: true);
        await using var to = (NpgsqlConnection)await target.OpenAsync(cancellationToken);
        await using var transaction = await to.BeginTransactionAsync(cancellationToken);

        var schemaVersion = await SameSchemaVersionAsync(from, snapshot, to, transaction, cancellationToken);
        var plan = await PlanAsync(from, snapshot, to, transaction, cancellationToken);
        await LockAsync(to, transaction, plan, cancellationToken);
        foreach (var table in plan)
            if (await HasDataAsync(to, transaction, table.Target, cancellationToken))
                throw new TargetNotEmptyException(table.Target);
        foreach (var table in plan.Where(t => Seeded.ContainsKey(t.Target)))
            await Sql.ExecuteAsync(to, transaction, $"DELETE FROM {Quote(table.Target)}", cancellationToken);

        var expected = new Dictionary<TablePlan, long>();
        foreach (var table in plan)
            expected[table] = await CountAsync(from, snapshot, table.Source, cancellationToken);
        logger.LogInformation("Copying {Rows} rows in {Tables} tables from {Source} to {Target}",
            expected.Values.Sum(), plan.Count, source.Description, target.Description);

        var counts = new List<TableCount>();
        foreach (var table in plan)
        {
            var copied = await CopyTableAsync(from, snapshot, to, table, expected[table], cancellationToken);
            var inTarget = await CountAsync(to, transaction, table.Target, cancellationToken);
            if (copied != expected[table] || inTarget != expected[table])
                throw new TableCopyException($"table {table.Target}: {expected[table]} rows in the SQLite file, {copied} copied, {inTarget} in the target; nothing was committed");
            counts.Add(new TableCount(table.Target, inTarget));
        }

        await snapshot.CommitAsync(cancellationToken);
        if (await DataVersionAsync(from, cancellationToken) != sourceVersion)
            throw new TableCopyException("the SQLite file changed while it was copied (is a gateway still running on it?): stop every gateway that uses it and copy again; nothing was committed");
        await transaction.CommitAsync(cancellationToken);

        var elapsed = time.GetElapsedTime(started);
        logger.LogInformation("Copied {Rows} rows in {Tables} tables from {Source} to {Target} in {Elapsed} ms",
            counts.Sum(c => c.Rows), counts.Count, source.Description, target.Description, (long)elapsed.TotalMilliseconds);
        return new CopyReport(counts, schemaVersion, elapsed);
    }

    private async Task<long> CopyTableAsync(SqliteConnection from, SqliteTransaction snapshot, NpgsqlConnection to, TablePlan table, long total, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var sourceColumns = string.Join(", ", table.Columns.Select(c => Quote(c.SourceName)));
        var targetColumns = string.Join(", ", table.Columns.Select(c => Quote(c.TargetName)));
        await using var select = from.CreateCommand();
        select.Transaction = snapshot;
        select.CommandText = $"SELECT {sourceColumns} FROM {Quote(table.Source)}";
        long rows = 0;
        try
        {
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            await using var importer = await to.BeginBinaryImportAsync($"COPY {Quote(table.Target)} ({targetColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows++;
                await importer.StartRowAsync(cancellationToken);
                for (var i = 0; i < table.Columns.Count; i++)
                {
                    if (reader.IsDBNull(i))
                    {
                        await importer.WriteNullAsync(cancellationToken);
                        continue;
                    }
                    var column = table.Columns[i];
                    var value = column.Convert(reader.GetValue(i), out var problem)
                        ?? throw new TableCopyException($"table {table.Target}, column {column.TargetName}, row {rows}: {problem}; nothing was committed");
                    await WriteAsync(importer, value, column, cancellationToken);
                }
                if (rows % ProgressInterval == 0)
                    logger.LogInformation("Copying {Table}: {Rows} of {Total} rows", table.Target, rows, total);
            }
            var written = await importer.CompleteAsync(cancellationToken);
            logger.LogInformation("Copied {Table}: {Rows} rows in {Elapsed} ms", table.Target, (long)written, (long)time.GetElapsedTime(started).TotalMilliseconds);
            return (long)written;
        }
        catch (PostgresException e)
        {
            throw new TableCopyException($"table {table.Target}: PostgreSQL refused a row: {e.MessageText}{(e.Where is { Length: > 0 } where ? $" ({where})" : "")}; nothing was committed", e);
        }
        catch (Exception e) when (e is NpgsqlException or SqliteException or InvalidOperationException or ArgumentException or InvalidCastException)
        {
            throw new TableCopyException($"table {table.Target}, after {rows} rows: {e.Message}; nothing was committed", e);
        }
    }

    private static Task WriteAsync(NpgsqlBinaryImporter importer, object value, CopyColumn column, CancellationToken cancellationToken) => value switch
    {
        string text => importer.WriteAsync(text, column.WireType, cancellationToken),
        long number => importer.WriteAsync(number, column.WireType, cancellationToken),
        int number => importer.WriteAsync(number, column.WireType, cancellationToken),
        short number => importer.WriteAsync(number, column.WireType, cancellationToken),
        bool flag => importer.WriteAsync(flag, column.WireType, cancellationToken),
        double real => importer.WriteAsync(real, column.WireType, cancellationToken),
        float real => importer.WriteAsync(real, column.WireType, cancellationToken),
        byte[] bytes => importer.WriteAsync(bytes, column.WireType, cancellationToken),
        _ => throw new InvalidCastException($"no way to write a {value.GetType().Name}"),
    };

    /// <summary>
    /// Each source table with the target table and columns it goes to. A source table or column the
    /// target lacks stops the copy: its data would be lost. A target column the source lacks keeps its default.
    /// </summary>
    private static async Task<List<TablePlan>> PlanAsync(SqliteConnection from, SqliteTransaction snapshot, NpgsqlConnection to, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var targetTables = await TargetColumnsAsync(to, transaction, cancellationToken);
        var plan = new List<TablePlan>();
        foreach (var table in await SourceTablesAsync(from, snapshot, cancellationToken))
        {
            var target = targetTables.Keys.FirstOrDefault(t => Same(t, table))
                ?? throw new TableCopyException($"table {table} of the SQLite file has no counterpart in the target, so its rows would be lost: migrate both with the same release");
            var columns = new List<CopyColumn>();
            await using var command = Sql.Command(from, snapshot, "SELECT name FROM pragma_table_info(@table) ORDER BY cid", ("@table", table));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var name = reader.GetString(0);
                var (targetName, type) = targetTables[target].FirstOrDefault(c => Same(c.Name, name));
                if (targetName is null)
                    throw new TableCopyException($"column {table}.{name} of the SQLite file has no counterpart in the target, so its values would be lost: migrate both with the same release");
                columns.Add(CopyColumn.For(name, targetName, type)
                    ?? throw new TableCopyException($"column {target}.{targetName} is of type {type} in the target, which the copy does not move"));
            }
            plan.Add(new TablePlan(table, target, columns));
        }
        return plan;
    }

    /// <summary>The source's tables in the order they were created (SQLite's own tables and the migrations' record left out).</summary>
    private static async Task<List<string>> SourceTablesAsync(DbConnection from, DbTransaction? snapshot, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(from, snapshot, $"""
            SELECT name FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> '{History}'
            ORDER BY rowid
            """);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            tables.Add(reader.GetString(0));
        return tables;
    }

    /// <summary>The target's tables in its current schema, each with its columns and their types.</summary>
    private static async Task<Dictionary<string, List<(string Name, string Type)>>> TargetColumnsAsync(DbConnection to, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(to, transaction, """
            SELECT c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
            ORDER BY c.table_name, c.ordinal_position
            """);
        var tables = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var table = reader.GetString(0);
            if (!tables.TryGetValue(table, out var columns))
                tables[table] = columns = [];
            columns.Add((reader.GetString(1), reader.GetString(2)));
        }
        return tables;
    }

    /// <summary>Both databases must have applied the same migrations, or a table would not mean the same on both sides.</summary>
    private static async Task<int> SameSchemaVersionAsync(SqliteConnection from, SqliteTransaction snapshot, NpgsqlConnection to, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var source = await VersionsAsync(from, snapshot, cancellationToken);
        var target = await VersionsAsync(to, transaction, cancellationToken);
        if (!source.SequenceEqual(target))
            throw new TableCopyException($"the SQLite file is at schema version {source.LastOrDefault():0000} ({source.Count} migrations) and the target at {target.LastOrDefault():0000} ({target.Count}): migrate both with the same release first");
        return source.LastOrDefault();
    }

    private static async Task<List<int>> VersionsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, $"SELECT version FROM {History} ORDER BY version");
        var versions = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            versions.Add(Convert.ToInt32(reader.GetValue(0)));
        return versions;
    }

    /// <summary>
    /// Keeps every other process from writing to the target's tables until the copy commits (reads go on),
    /// so that nothing slips in between the emptiness check and the commit.
    /// </summary>
    private static async Task LockAsync(NpgsqlConnection to, DbTransaction transaction, List<TablePlan> plan, CancellationToken cancellationToken)
    {
        if (plan.Count == 0)
            return;
        await Sql.ExecuteAsync(to, transaction, $"SET LOCAL lock_timeout = '{(int)LockTimeout.TotalMilliseconds}ms'", cancellationToken);
        try
        {
            await Sql.ExecuteAsync(to, transaction, $"LOCK TABLE {string.Join(", ", plan.Select(t => Quote(t.Target)))} IN EXCLUSIVE MODE", cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new TableCopyException($"another process kept the target's tables for {LockTimeout.TotalSeconds:0} s (is a gateway running on it?): stop it and copy again; nothing was written", e);
        }
    }

    private static async Task<bool> HasDataAsync(DbConnection connection, DbTransaction? transaction, string table, CancellationToken cancellationToken)
    {
        var seeded = Seeded.TryGetValue(table, out var condition) ? $" WHERE NOT ({condition})" : "";
        return await Sql.ScalarAsync(connection, transaction, $"SELECT 1 FROM {Quote(table)}{seeded} LIMIT 1", cancellationToken) is not null;
    }

    private static async Task<long> CountAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken) =>
        Convert.ToInt64(await Sql.ScalarAsync(connection, transaction, $"SELECT COUNT(*) FROM {Quote(table)}", cancellationToken));

    private static async Task<long> DataVersionAsync(SqliteConnection connection, CancellationToken cancellationToken) =>
        Convert.ToInt64(await Sql.ScalarAsync(connection, null, "PRAGMA data_version", cancellationToken));

    /// <summary>PostgreSQL folds unquoted names to lower case; SQLite keeps them as written.</summary>
    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}
