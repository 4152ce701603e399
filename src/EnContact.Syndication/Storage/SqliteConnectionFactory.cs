using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Storage;

/// <summary>Opens connections to the gateway's SQLite file with the pragmas every connection needs.</summary>
public sealed class SqliteConnectionFactory
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;

    public SqliteConnectionFactory(IOptions<StorageOptions> options)
    {
        var storage = options.Value;
        DatabasePath = Path.GetFullPath(storage.DatabasePath);
        _busyTimeoutMs = (int)storage.BusyTimeout.TotalMilliseconds;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)storage.BusyTimeout.TotalSeconds),
        }.ToString();
    }

    public string DatabasePath { get; }

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

    private int _prepared;

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
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
}
