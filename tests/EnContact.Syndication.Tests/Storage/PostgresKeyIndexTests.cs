using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace EnContact.Syndication.Tests.Storage;

/// <summary>
/// Npgsql sends every string as text. A key column of type CHAR(n) (bpchar) compared with text is
/// cast to text, so its index cannot serve the comparison and every page of an edition's readers
/// scanned the whole table: an edition of a million readers took six minutes to read. These tests
/// hold the schema to keys the parameters can use.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class PostgresKeyIndexTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<NpgsqlConnection> MigratedAsync(TempDirectory folder)
    {
        var connectionString = await folder.PostgresDatabaseAsync();
        await new Migrator(new PostgresDatabase(connectionString), TimeProvider.System, NullLogger<Migrator>.Instance).MigrateAsync(None);
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task Schema_AfterMigrations_HasNoFixedWidthCharacterColumns()
    {
        using var folder = new TempDirectory();
        await using var connection = await MigratedAsync(folder);
        await using var command = new NpgsqlCommand(
            "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = current_schema() AND data_type = 'character' ORDER BY 1",
            connection);
        var columns = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                columns.Add(reader.GetString(0));
        Assert.Empty(columns);
    }

    [Theory]
    [InlineData("SELECT subscriber_id FROM subscribers WHERE subscriber_id > @key ORDER BY subscriber_id LIMIT 10", "subscribers")]
    [InlineData("SELECT subscriber_id, section FROM subscriber_sections WHERE subscriber_id = ANY(@keys)", "subscriber_sections")]
    [InlineData("SELECT 1 FROM suppression_hashes WHERE address_hash = @key", "suppression_hashes")]
    [InlineData("SELECT 1 FROM outbox_bodies WHERE body_key = @key", "outbox_bodies")]
    public async Task KeyLookup_WithTextParameters_IsServedByAnIndex(string sql, string table)
    {
        using var folder = new TempDirectory();
        await using var connection = await MigratedAsync(folder);
        // With sequential scans priced out the planner walks an index even when it cannot search it,
        // filtering every entry (what a CHAR key did): the key must be the index's condition.
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
            await off.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand("EXPLAIN " + sql, connection);
        explain.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Text) { Value = new string('a', 32) });
        explain.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = new[] { new string('a', 32), new string('b', 32) } });
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.Add(reader.GetString(0));
        var text = string.Join("\n", plan);
        Assert.Contains($" on {table}", text);
        Assert.Contains("Index Cond", text);
        Assert.DoesNotContain("Filter", text);
    }
}
