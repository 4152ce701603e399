using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace EnContact.Syndication.Tests.Digests;

/// <summary>Both gateways' schedulers on one period: one edition, one number, one message per reader.</summary>
[Collection(TwoGatewaysCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TwoGatewaysSchedulerTests(ITestOutputHelper output)
{
    /// <summary>
    /// The race made certain rather than likely: the test holds the editions' lock while both gateways
    /// start, so both schedulers have looked for the due edition, found none and built its contents
    /// before either may write it; released, they write one after the other, and the second must find
    /// the first's edition under the lock.
    /// </summary>
    [Fact]
    public async Task Scheduler_BothGatewaysOnOneDuePeriod_OneEditionIsBuiltAndSentOnce()
    {
        const int readers = 3;
        var lockKey = PostgresDatabase.LockKey("digest-editions");
        await using var blocker = new NpgsqlConnection();
        await using var gateways = await TwoGateways.StartAsync(output, TwoGateways.EditionDueAtStart(), prepare: async g =>
        {
            await g.ImportArticleAsync("Baromètre de la relation client 2026");
            await g.SeedReadersAsync(readers);
            blocker.ConnectionString = g.ConnectionString;
            await blocker.OpenAsync();
            await using var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", blocker);
            take.Parameters.AddWithValue("key", lockKey);
            await take.ExecuteNonQueryAsync();
        });

        // pg_locks shows a bigint advisory key as its high and low 32 bits.
        await TwoGateways.WaitForAsync("both schedulers to wait for the editions' lock", TimeSpan.FromSeconds(30), async () =>
            await gateways.CountAsync("""
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                AND classid::bigint = @high AND objid::bigint = @low AND objsubid = 1
                """, ("@high", (long)(uint)(lockKey >> 32)), ("@low", (long)(uint)lockKey)) == 2 ? "" : null);
        Assert.Empty(await gateways.QueryAsync("SELECT edition_key FROM digest_editions"));
        await using (var free = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", blocker))
        {
            free.Parameters.AddWithValue("key", lockKey);
            Assert.Equal(true, await free.ExecuteScalarAsync());
        }

        var key = await gateways.WaitForEditionAsync();
        await gateways.WaitForEditionSentAsync(key);

        var editions = await gateways.QueryAsync("SELECT edition_key, number, status FROM digest_editions");
        Assert.Equal(new object?[] { key, 1, "sent" }, Assert.Single(editions));
        var built = gateways.LogLines("(n° 1) built");
        output.WriteLine(string.Join('\n', built));
        Assert.Single(built);
        Assert.Empty(gateways.LogLines("tick failed"));
        var received = gateways.MessagesPerRecipient();
        Assert.Equal(readers, received.Count);
        Assert.All(Enumerable.Range(1, readers), i => Assert.Equal(1, received.GetValueOrDefault(TwoGateways.Reader(i))));
        Assert.Equal(readers, await gateways.CountAsync("SELECT count(*) FROM outbox WHERE campaign = @campaign", ("@campaign", "digest-" + key)));
    }
}
