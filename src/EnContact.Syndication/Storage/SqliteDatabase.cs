using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace EnContact.Syndication.Storage;

/// <summary>
/// The embedded default: one SQLite file (WAL mode, busy timeout) used by one gateway process. Its
/// write transactions are <c>BEGIN IMMEDIATE</c>, so writers take turns and a read-modify-write
/// needs nothing more; there is nobody else to tell about changes or to lead.
/// </summary>
public sealed class SqliteDatabase : Database
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private int _prepared;

    public SqliteDatabase(string databasePath, TimeSpan busyTimeout)
    {
        DatabasePath = Path.GetFullPath(databasePath);
        _busyTimeoutMs = (int)busyTimeout.TotalMilliseconds;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)busyTimeout.TotalSeconds),
        }.ToString();
    }

    public string DatabasePath { get; }

    public override StorageProvider Provider => StorageProvider.Sqlite;

    public override string Description => DatabasePath;

    public override int MaxListSize => 500;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _prepared) == 0)
            PrepareFiles();

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // WAL lets feed readers read while ingestion writes; NORMAL sync is durable across
            // process crashes in WAL mode (only an OS crash can lose the last transactions).
            await using var pragma = connection.CreateCommand();
            pragma.CommandText =
                $"PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {_busyTimeoutMs};";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // Microsoft.Data.Sqlite begins IMMEDIATE unless asked for a deferred transaction.
    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, string? scope, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken);

    public override string SkipLocked(string alias) => "";

    public override string InList(DbCommand command, string column, string name, IReadOnlyCollection<string> values)
    {
        if (values.Count == 0)
            return "1 = 0";
        var names = new List<string>(values.Count);
        foreach (var value in values)
        {
            var parameter = $"{name}{names.Count}";
            command.Parameters.AddWithValue(parameter, value);
            names.Add(parameter);
        }
        return $"{column} IN ({string.Join(", ", names)})";
    }

    public override Task AnnounceAsync(string topic, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<Leadership?> TryLeadAsync(string role, CancellationToken cancellationToken) =>
        Task.FromResult<Leadership?>(new SoleProcess(role));

    /// <summary>
    /// Once per process: the database's folder (created 0700 when missing) and the file itself, created
    /// 0600 before SQLite opens it, since SQLite gives its -wal and -shm files the database's mode.
    /// Files an earlier release left readable by others are restricted.
    /// </summary>
    private void PrepareFiles()
    {
        var directory = Path.GetDirectoryName(DatabasePath);
        if (!string.IsNullOrEmpty(directory))
            PrivateFiles.CreateFolder(directory);
        if (!File.Exists(DatabasePath))
        {
            try
            {
                new FileStream(DatabasePath, PrivateFiles.Create(FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite)).Dispose();
            }
            catch (IOException) when (File.Exists(DatabasePath))
            {
                // Another process created it first.
            }
        }
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            PrivateFiles.Restrict(DatabasePath + suffix);
        Volatile.Write(ref _prepared, 1);
    }

    /// <summary>A SQLite file has one gateway process: it always leads.</summary>
    private sealed class SoleProcess(string role) : Leadership
    {
        public override string Role => role;
        public override Task<bool> IsHeldAsync(CancellationToken cancellationToken) => Task.FromResult(true);
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
