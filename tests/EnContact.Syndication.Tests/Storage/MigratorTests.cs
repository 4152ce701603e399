using EnContact.Syndication.Articles;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Data.Sqlite;

namespace EnContact.Syndication.Tests.Storage;

public sealed class MigratorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Migrate_FreshDatabase_AppliesAllInOrder(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var migrator = gateway.Services.GetRequiredService<Migrator>();

        var versions = await migrator.AppliedVersionsAsync(None);

        Assert.Equal(Migrator.All.Select(m => m.Version), versions);
        Assert.Equal([1, 2], versions.Take(2));
        Assert.Equal(0L, await gateway.Articles.CurrentVersionAsync(None));
    }

    [Fact]
    public async Task Migrate_FreshSqliteFile_IsInWalMode()
    {
        await using var gateway = await Gateway.CreateAsync(storage: StorageProvider.Sqlite);

        Assert.Equal("wal", await ScalarAsync(gateway.DatabasePath, "PRAGMA journal_mode"));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Migrate_SecondRun_AppliesNothing(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);

        var applied = await gateway.Services.GetRequiredService<Migrator>().MigrateAsync(None);

        Assert.Empty(applied);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Migrate_DatabaseAtPreviousVersion_UpgradesAndKeepsArticles(StorageProvider storage)
    {
        using var folder = new TempDirectory();
        // A database as the previous release left it: only migration 0001, with an article in it.
        await using (var previous = await Storages.OpenAsync(folder, storage))
        {
            await using var connection = await previous.OpenAsync(None);
            await using var history = connection.CreateCommand();
            history.CommandText = "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at VARCHAR(32) NOT NULL)";
            await history.ExecuteNonQueryAsync();
            var first = Migrator.For(storage).Single(m => m.Version == 1);
            await using var create = connection.CreateCommand();
            create.CommandText = first.Sql + """
                ;INSERT INTO schema_migrations VALUES (1, 'articles', '2026-01-01T00:00:00.0000000Z');
                INSERT INTO articles VALUES ('ancien', 'ancien', 'Un ancien article', 'Résumé', '<p>Texte</p>', '[]', NULL, NULL, '[]',
                  'free', 'fr', '2026-01-01T08:00:00.0000000Z', '2026-01-01T08:00:00.0000000Z', 'https://www.en-contact.com/articles/ancien',
                  NULL, 'api', 'hash', 'published', 1, '2026-01-01T08:00:00.0000000Z', '2026-01-01T08:00:00.0000000Z');
                UPDATE change_counters SET value = 1 WHERE name = 'articles';
                """;
            await create.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();

        await using var gateway = await Gateway.CreateAsync(folder: folder, storage: storage);

        var versions = await gateway.Services.GetRequiredService<Migrator>().AppliedVersionsAsync(None);
        Assert.Equal(Migrator.All.Select(m => m.Version), versions);
        var kept = await gateway.SingleArticleAsync("ancien");
        Assert.Equal("Un ancien article", kept.Title);
        Assert.Equal(1L, await gateway.Articles.CurrentVersionAsync(None));
        Assert.Empty(await gateway.Sources.ListProblemsAsync(None)); // table from 0002 exists
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Migrate_OutstandingConfirmationLink_StillConfirmsWithTheSettingsItWasSentWith(StorageProvider storage)
    {
        using var folder = new TempDirectory();
        await using var factory = await Storages.OpenAsync(folder, storage);
        await new Migrator(factory, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance).MigrateAsync(None, upToVersion: 5);
        const string Id = "0123456789abcdef0123456789abcdef";
        await using (var connection = await factory.OpenAsync(None))
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = $"""
                INSERT INTO subscribers (subscriber_id, address, name, search_key, status, all_sections, consent_source, confirm_nonce,
                    confirm_sent_at, confirm_day_count, created_at, updated_at)
                VALUES ('{Id}', 'lea@exemple.fr', 'Léa', 'lea@exemple.fr', 'pending', 0, 'web form', 'aaaabbbbccccdddd',
                    '2026-11-26T09:00:00.0000000Z', 1, '2026-11-26T09:00:00.0000000Z', '2026-11-26T09:00:00.0000000Z');
                INSERT INTO subscriber_sections VALUES ('{Id}', 'analyses'), ('{Id}', 'études');
                """;
            await insert.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();

        await using var gateway = await Gateway.CreateAsync(folder: folder, storage: storage);
        var store = gateway.Services.GetRequiredService<EnContact.Syndication.Subscribers.SubscriberStore>();

        Assert.Equal(EnContact.Syndication.Subscribers.ConfirmOutcome.Confirmed, await store.ConfirmAsync(Id, "aaaabbbbccccdddd", None));
        var confirmed = await store.GetAsync(Id, None);
        Assert.Equal(("Léa", "analyses,études"), (confirmed!.Name, string.Join(",", confirmed.Sections!)));
        Assert.Equal(EnContact.Syndication.Subscribers.ConfirmOutcome.AlreadyConfirmed, await store.ConfirmAsync(Id, "aaaabbbbccccdddd", None));
    }

    [Fact]
    public async Task Migrate_FailingMigration_RollsBackItsOwnTransaction()
    {
        using var folder = new TempDirectory();
        await using var gateway = await Gateway.CreateAsync(folder: folder, storage: StorageProvider.Sqlite);
        await using var connection = new SqliteConnection($"Data Source={gateway.DatabasePath}");
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // The same statements a migration runs: the second fails, so the first must not survive.
        command.CommandText = "CREATE TABLE half_done (x INTEGER); CREATE TABLE articles (x INTEGER);";
        await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync());
        await transaction.RollbackAsync();

        Assert.Equal(0L, await ScalarAsync(gateway.DatabasePath, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'"));
    }

    [Fact]
    public void Migrations_AreNumberedWithoutGaps()
    {
        Assert.Equal(Enumerable.Range(1, Migrator.All.Count), Migrator.All.Select(m => m.Version));
        Assert.All(Migrator.All, m => Assert.False(string.IsNullOrWhiteSpace(m.Sql)));
    }

    private static async Task<object?> ScalarAsync(string dbPath, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={dbPath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
