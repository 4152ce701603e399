using EnContact.Syndication.Digests;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Data.Sqlite;

namespace EnContact.Syndication.Tests.Storage;

/// <summary>Editions finished before they counted their bounces: counted again from the outbox where it still holds all their messages.</summary>
public sealed class EditionBouncesMigrationTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Migrate_EditionsFinishedBefore_CountTheirBouncesAndAgreeWithTheOutboxWhereItIsWhole(StorageProvider storage)
    {
        using var folder = new TempDirectory();
        await using (var factory = await Storages.OpenAsync(folder, storage))
        {
            await new Migrator(factory, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance).MigrateAsync(None, upToVersion: 15);
            await using var connection = await factory.OpenAsync(None);
            await using var insert = connection.CreateCommand();
            insert.CommandText = $"""
                INSERT INTO digest_editions (edition_key, number, fire_at, since, status, item_count, built_at, sent_count, failed_count, suppressed_count, cancelled_count, finished_at)
                VALUES {Edition("2026-11-30-0800", 1, "sent", "3, 0, 0, 0")}, {Edition("2026-12-07-0800", 2, "sent-with-failures", "1, 1, 0, 0")},
                    {Edition("2026-12-14-0800", 3, "sending", "NULL, NULL, NULL, NULL")};
                INSERT INTO outbox (message_key, campaign, kind, priority, recipient, body_key, variables_json, message_id, status, attempts, next_attempt_at, created_at, sent_at)
                VALUES {Message("2026-11-30-0800", "a", "sent", sent: true)}, {Message("2026-11-30-0800", "b", "sent", sent: true)},
                    {Message("2026-11-30-0800", "c", "failed", sent: true)},
                    {Message("2026-12-07-0800", "a", "failed", sent: true)},
                    {Message("2026-12-14-0800", "a", "failed", sent: true)};
                """;
            await insert.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();

        await using var gateway = await Gateway.CreateAsync(folder: folder, storage: storage);
        var store = gateway.Services.GetRequiredService<DigestStore>();

        // Whole in the outbox, with a bounce that came back after it finished: counted again.
        var whole = (await store.GetAsync("2026-11-30-0800", None))!.Value.Edition;
        Assert.Equal((EditionStatus.SentWithFailures, new DeliveryCounts(2, 1, 0, 0, Bounced: 1)), (whole.Status, whole.Counts));
        // A reader erased since (one message of two left): its counts kept, its bounces as the outbox knows them.
        var erased = (await store.GetAsync("2026-12-07-0800", None))!.Value.Edition;
        Assert.Equal((EditionStatus.SentWithFailures, new DeliveryCounts(1, 1, 0, 0, Bounced: 1)), (erased.Status, erased.Counts));
        // Still sending: its finish will count.
        var sending = (await store.GetAsync("2026-12-14-0800", None))!.Value.Edition;
        Assert.Equal((EditionStatus.Sending, null), (sending.Status, sending.Counts));
    }

    private static string Edition(string key, int number, string status, string counts) =>
        $"('{key}', {number}, '{key[..10]}T07:00:00.0000000Z', '{key[..10]}T07:00:00.0000000Z', '{status}', 3, '{key[..10]}T06:00:00.0000000Z', {counts}, " +
        (status == "sending" ? "NULL)" : $"'{key[..10]}T09:00:00.0000000Z')");

    private static string Message(string edition, string reader, string status, bool sent) =>
        $"('digest-{edition}/{reader}@exemple.fr', 'digest-{edition}', 'bulk', 1, '{reader}@exemple.fr', '{new string('0', 64)}', '{{}}', " +
        $"'{edition}.{reader}@en-contact.com', '{status}', 1, '{edition[..10]}T07:00:00.0000000Z', '{edition[..10]}T07:00:00.0000000Z', " +
        (sent ? $"'{edition[..10]}T07:01:00.0000000Z')" : "NULL)");
}
