using EnContact.Syndication.Delivery;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>
/// The sending pace as stored for 'delivery status': on each storage, and on one PostgreSQL database
/// written by two gateway processes sending through the same relay at the same moment.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class PaceStatusStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Relay = "smtp relay.en-contact.com:587";

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task SaveThenList_ThrottledRelayAndDomains_ComeBackAsSavedAndARecoveredDomainGoes(StorageProvider storage)
    {
        using var folder = new TempDirectory();
        await using var database = await Storages.OpenAsync(folder, storage);
        var clock = new FakeTimeProvider(Gateway.DefaultNow);
        await new Migrator(database, clock, NullLogger<Migrator>.Instance).MigrateAsync(None);
        var store = new PaceStatusStore(database, clock);
        var since = Gateway.DefaultNow.AddMinutes(-3);

        await store.SaveAsync([
            new PaceStatus(Relay, null, 4, 8, since, "454 4.7.0 Throttling failure: slow down", since, 3),
            new PaceStatus(Relay, "orange.fr", 2.5, 5, since, "450 4.7.1 orange.fr: too many messages", since.AddSeconds(1), 2, MaxConcurrent: 2),
            new PaceStatus(Relay, "free.fr", null, null, since, null, null, 0, MaxConcurrent: 1),
        ], None);
        var first = await store.ListAsync(None);
        await store.SaveAsync([new PaceStatus(Relay, null, 8, 8, since.AddMinutes(1), "454 4.7.0 Throttling failure: slow down", since, 3)], None);
        var second = await store.ListAsync(None);

        Assert.Equal([
            new PaceStatus(Relay, null, 4, 8, since, "454 4.7.0 Throttling failure: slow down", since, 3),
            new PaceStatus(Relay, "free.fr", null, null, since, null, null, 0, MaxConcurrent: 1),
            new PaceStatus(Relay, "orange.fr", 2.5, 5, since, "450 4.7.1 orange.fr: too many messages", since.AddSeconds(1), 2, MaxConcurrent: 2),
        ], first);
        Assert.Equal([new PaceStatus(Relay, null, 8, 8, since.AddMinutes(1), "454 4.7.0 Throttling failure: slow down", since, 3)], second);
    }

    [Fact]
    public async Task SaveAsync_TwoProcessesSavingTheSameRelayAtOnce_NeitherFails_AndWhatStaysIsOneSaveWhole()
    {
        using var shared = new TempDirectory();
        var connectionString = await shared.PostgresDatabaseAsync();
        var clock = new FakeTimeProvider(Gateway.DefaultNow);
        await using var first = new PostgresDatabase(connectionString);
        await using var second = new PostgresDatabase(connectionString);
        await new Migrator(first, clock, NullLogger<Migrator>.Instance).MigrateAsync(None);
        var stores = new[] { new PaceStatusStore(first, clock), new PaceStatusStore(second, clock) };

        // Each save is the whole pace of one process at one moment: its throttle count marks every row of it.
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processes = stores.Select((store, process) => Task.Run(async () =>
        {
            await go.Task;
            for (var save = 0; save < 500; save++)
            {
                var mark = process * 1000 + save;
                await store.SaveAsync([
                    new PaceStatus(Relay, null, 4, 8, Gateway.DefaultNow, "454 4.7.0 slow down", Gateway.DefaultNow, mark),
                    new PaceStatus(Relay, "orange.fr", 2, 4, Gateway.DefaultNow, "450 4.7.1 slow down", Gateway.DefaultNow, mark),
                    new PaceStatus(Relay, process == 0 ? "free.fr" : "gmail.com", 1, 2, Gateway.DefaultNow, "421 4.7.0 slow down", Gateway.DefaultNow, mark),
                ], None);
            }
        })).ToArray();
        go.SetResult();
        await Task.WhenAll(processes).WaitAsync(TimeSpan.FromSeconds(60));

        var stored = await stores[0].ListAsync(None);
        Assert.Equal(3, stored.Count);
        Assert.Single(stored.Select(p => p.Throttles).Distinct());
        Assert.Contains(stored[0].Throttles, new long[] { 499, 1499 }); // one process's last save
    }
}
