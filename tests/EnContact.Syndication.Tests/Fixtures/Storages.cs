using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// The storages the gateway runs on. A store test that must hold on each takes the provider as its
/// parameter — <c>[Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]</c> — and
/// runs once on a SQLite file and once on a PostgreSQL database, whatever <c>ENCONTACT_TEST_STORAGE</c> says.
/// </summary>
public static class Storages
{
    public static TheoryData<StorageProvider> Both => new() { StorageProvider.Sqlite, StorageProvider.PostgreSql };

    /// <summary>
    /// The database a gateway created on <paramref name="folder"/> with <paramref name="provider"/> will use
    /// (its SQLite file, or the folder's PostgreSQL database), opened without a gateway: for a test that
    /// prepares it as an earlier release left it.
    /// </summary>
    public static async Task<Database> OpenAsync(TempDirectory folder, StorageProvider provider) => provider switch
    {
        StorageProvider.Sqlite => new SqliteDatabase(folder.Combine("data", "gateway.db"), TimeSpan.FromSeconds(5)),
        _ => new PostgresDatabase(await folder.PostgresDatabaseAsync()),
    };
}
