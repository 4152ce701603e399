using Microsoft.Data.Sqlite;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// A fresh folder under the system temp folder, removed with everything in it at the end of the test.
/// On PostgreSQL it also stands for the gateway's database: gateways made on one folder (a restart, a
/// second process) share one database, as they share one SQLite file.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    private (string ConnectionString, Func<Task> DropAsync)? _postgres;

    /// <summary>This folder's PostgreSQL database, made on first use and dropped with the folder.</summary>
    public async Task<string> PostgresDatabaseAsync()
    {
        _postgres ??= await TestPostgres.CreateDatabaseAsync();
        return _postgres.Value.ConnectionString;
    }

    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "encontact-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        // Pooled SQLite connections keep the database files open until the pool lets them go.
        SqliteConnection.ClearAllPools();
        if (_postgres is { } postgres)
            postgres.DropAsync().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a stopping background task; the OS temp cleaner will take it.
        }
    }
}
