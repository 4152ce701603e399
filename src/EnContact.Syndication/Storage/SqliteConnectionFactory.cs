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

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(DatabasePath);
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);

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
