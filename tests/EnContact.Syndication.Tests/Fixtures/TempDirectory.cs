using Microsoft.Data.Sqlite;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>A fresh folder under the system temp folder, removed with everything in it at the end of the test.</summary>
public sealed class TempDirectory : IDisposable
{
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
