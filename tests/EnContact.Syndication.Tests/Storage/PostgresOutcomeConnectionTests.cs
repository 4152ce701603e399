using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Storage;

/// <summary>
/// A sender records each message's outcome on connections whose commits do not wait for the disk;
/// everything else keeps the server's durability. (The test cluster runs without fsync, so the
/// settings' source tells the two apart, not their values.)
/// </summary>
[Trait("Speed", "Slow")]
public sealed class PostgresOutcomeConnectionTests
{
    private static async Task<(string Value, string Source)> SynchronousCommitAsync(System.Data.Common.DbConnection connection)
    {
        await using var command = Sql.Command(connection, null, "SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetString(1));
    }

    [Fact]
    public async Task OpenForOutcomes_OnPostgres_CommitsWithoutWaitingForTheDisk_WhileOtherConnectionsKeepTheServersSetting()
    {
        using var folder = new TempDirectory();
        await using var database = new PostgresDatabase(await folder.PostgresDatabaseAsync());

        await using (var outcomes = await database.OpenForOutcomesAsync(CancellationToken.None))
            Assert.Equal(("off", "client"), await SynchronousCommitAsync(outcomes));
        await using (var ordinary = await database.OpenAsync(CancellationToken.None))
            Assert.NotEqual("client", (await SynchronousCommitAsync(ordinary)).Source);
    }
}
