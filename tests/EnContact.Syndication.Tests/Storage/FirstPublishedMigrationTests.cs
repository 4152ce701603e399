using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Data.Sqlite;

namespace EnContact.Syndication.Tests.Storage;

/// <summary>Articles stored before the store recorded first publication.</summary>
public sealed class FirstPublishedMigrationTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Migrate_ArticlesFromBefore_CountAsPublishedWhenReadersCouldHaveSeenThem(StorageProvider storage)
    {
        using var folder = new TempDirectory();
        await using var factory = await Storages.OpenAsync(folder, storage);
        await new Migrator(factory, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance).MigrateAsync(None, upToVersion: 8);
        await using (var connection = await factory.OpenAsync(None))
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = $"""
                INSERT INTO articles VALUES {Row("live", "published", "2026-11-01T08:00:00.0000000Z", "2026-11-02T08:00:00.0000000Z")},
                    {Row("removed", "deleted", "2026-11-01T08:00:00.0000000Z", "2026-11-03T08:00:00.0000000Z")},
                    {Row("removed-early", "deleted", "2026-12-01T08:00:00.0000000Z", "2026-11-03T08:00:00.0000000Z")},
                    {Row("draft", "draft", "2026-11-01T08:00:00.0000000Z", "2026-11-02T08:00:00.0000000Z")},
                    {Row("soon", "scheduled", "2026-12-01T08:00:00.0000000Z", "2026-11-02T08:00:00.0000000Z")};
                """;
            await insert.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();

        await using var gateway = await Gateway.CreateAsync(folder: folder, storage: storage);

        var published = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
        Assert.Equal(published, (await gateway.SingleArticleAsync("live")).FirstPublishedAt);
        Assert.Equal(published, (await gateway.SingleArticleAsync("removed")).FirstPublishedAt);
        Assert.Null((await gateway.SingleArticleAsync("removed-early")).FirstPublishedAt);
        Assert.Null((await gateway.SingleArticleAsync("draft")).FirstPublishedAt);
        Assert.Null((await gateway.SingleArticleAsync("soon")).FirstPublishedAt);
    }

    private static string Row(string id, string status, string publishedAt, string changedAt) =>
        $"('{id}', '{id}', 'Titre {id}', 'Résumé', '<p>Texte</p>', '[]', NULL, NULL, '[]', 'free', 'fr', '{publishedAt}', '{publishedAt}', " +
        $"'https://www.en-contact.com/articles/{id}', NULL, 'api', 'hash-{id}', '{status}', 1, '{publishedAt}', '{changedAt}')";
}
