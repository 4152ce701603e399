using System.Data.Common;
using System.Globalization;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Data.Sqlite;
using Npgsql;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Storage;

/// <summary>
/// <c>storage copy --to</c>, run as the operator runs it (the real command line), from a SQLite file a
/// gateway filled into a fresh PostgreSQL database, compared table by table, row by row.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class StorageCopyTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Copy_OfAGatewaysSqliteFile_CarriesEveryRowAndAPostgresGatewayCarriesOn()
    {
        using var folder = new TempDirectory();
        await FillAsync(folder);
        var (target, drop) = await TestPostgres.CreateDatabaseAsync();
        try
        {
            var (code, output, error) = await CopyAsync(folder, target);

            Assert.True(code == 0, $"exit {code}: {error}");
            Assert.Matches(@"articles\s+7\b", output); // the week's six (a draft among them) and one more
            var source = await RowsAsync(new SqliteConnection($"Data Source={DatabaseOf(folder)};Mode=ReadOnly"));
            var copied = await RowsAsync(new NpgsqlConnection(target));
            Assert.Equal(source.Keys.Order(), copied.Keys.Where(source.ContainsKey).Order());
            foreach (var (table, rows) in source)
                Assert.True(rows.SequenceEqual(copied[table]), $"table {table} differs after the copy ({rows.Count} rows in SQLite, {copied[table].Count} in PostgreSQL)");
            Assert.Contains(source, t => t.Key == "subscribers" && t.Value.Count == 3);
            Assert.Contains(source, t => t.Key == "outbox" && t.Value.Count > 0);

            // A gateway on the copy sees the magazine as it was: the articles, the readers (their
            // addresses found by the same keyed hash), the unsubscription, and this Monday's edition,
            // which it does not build again.
            await using var moved = await Gateway.CreateAsync(postgresConnectionString: target);
            Assert.Equal("Baromètre 2026 du nearshore", (await moved.SingleArticleAsync("e1")).Title);
            var readers = moved.Services.GetRequiredService<SubscriberStore>();
            Assert.NotNull(await readers.FindAsync("claire@example.fr", None));
            Assert.NotNull(await readers.SuppressionOfAsync("paul@example.fr", None));
            var again = await Builder(moved).BuildAsync(Monday, None);
            Assert.Equal(1, again.Number);
            Assert.Single(await Store(moved).ListAsync(None));
            Assert.Equal(2, await Store(moved).NextNumberAsync(None));
        }
        finally
        {
            await drop();
        }
    }

    [Fact]
    public async Task Copy_IntoADatabaseThatHoldsData_IsRefusedAndTheTargetIsLeftAsItWas()
    {
        using var folder = new TempDirectory();
        await FillAsync(folder);
        var (target, drop) = await TestPostgres.CreateDatabaseAsync();
        try
        {
            await using (var other = await Gateway.CreateAsync(postgresConnectionString: target))
                await ArticleAsync(other, "deja-la", "Un article déjà publié ailleurs", "analyses", "2026-11-20 09:00");

            var (code, _, error) = await CopyAsync(folder, target);

            Assert.Equal(1, code);
            Assert.Contains("the target already holds data (table articles has rows)", error);
            Assert.DoesNotContain("   at ", error);
            await using var connection = new NpgsqlConnection(target);
            await connection.OpenAsync();
            Assert.Equal(1L, await Sql.ScalarAsync(connection, null, "SELECT COUNT(*) FROM articles", None));
            Assert.Equal(0L, await Sql.ScalarAsync(connection, null, "SELECT COUNT(*) FROM subscribers", None));
        }
        finally
        {
            await drop();
        }
    }

    [Fact]
    public async Task Copy_OfAValueTheTargetCannotHold_StopsNamingTheRowAndCommitsNothing_ThenCopiesOnceFixed()
    {
        using var folder = new TempDirectory();
        await FillAsync(folder);
        // SQLite keeps a text in an integer column; PostgreSQL will not.
        await ExecuteOnSqliteAsync(folder, "UPDATE outbox SET attempts = 'beaucoup' WHERE rowid = (SELECT MAX(rowid) FROM outbox)");
        var (target, drop) = await TestPostgres.CreateDatabaseAsync();
        try
        {
            var (code, _, error) = await CopyAsync(folder, target);

            Assert.Equal(1, code);
            Assert.Contains("table outbox, column attempts, row ", error);
            Assert.Contains("a text of 8 character(s) does not fit a integer column", error);
            Assert.Contains("nothing was committed", error);
            await using (var connection = new NpgsqlConnection(target))
            {
                await connection.OpenAsync();
                Assert.Equal(0L, await Sql.ScalarAsync(connection, null, "SELECT COUNT(*) FROM articles", None));
            }

            await ExecuteOnSqliteAsync(folder, "UPDATE outbox SET attempts = 0 WHERE attempts = 'beaucoup'");
            var (retried, _, retryError) = await CopyAsync(folder, target);
            Assert.True(retried == 0, $"exit {retried}: {retryError}");
        }
        finally
        {
            await drop();
        }
    }

    [Fact]
    public async Task Copy_WithoutASqliteFile_OrWithoutAServer_SaysWhichInOneLine()
    {
        using var folder = new TempDirectory();

        var (missing, _, missingError) = await CopyAsync(folder, "Host=127.0.0.1;Database=encontact;Username=gateway");
        Assert.Equal(1, missing);
        Assert.StartsWith("no SQLite database at ", missingError.Trim());

        await FillAsync(folder);
        var (garbled, _, garbledError) = await CopyAsync(folder, "Database=encontact");
        Assert.Equal(1, garbled);
        Assert.Equal("--to: names no Host (Host=…;Database=…;Username=…)", garbledError.Trim());
    }

    /// <summary>What a gateway writes in a week: articles, readers (one unsubscribed), an edition queued and partly sent.</summary>
    private static async Task FillAsync(TempDirectory folder)
    {
        await using var gateway = await Gateway.CreateAsync(storage: StorageProvider.Sqlite, folder: folder);
        await WeekAsync(gateway);
        await ArticleAsync(gateway, "r1", "Ré-internalisation : « le retour » & ses coûts", "analyses", "2026-11-23 09:00");
        var people = await SubscribersAsync(gateway, ("claire@example.fr", null), ("paul@example.fr", ["analyses"]), ("zoe@example.fr", ["études"]));
        var readers = gateway.Services.GetRequiredService<SubscriberStore>();
        Assert.True(await readers.UnsubscribeAsync(people[1].Id, "link", None));
        var edition = await Builder(gateway).BuildAsync(Monday, None);
        await Queue(gateway).QueueAsync(edition.Key, None);
        var outbox = gateway.Services.GetRequiredService<EnContact.Syndication.Delivery.OutboxStore>();
        var claimed = await outbox.ClaimAsync("copy-test", 1, None);
        await outbox.MarkSentAsync(claimed.Single(), "250 2.0.0 Ok: queued", None);
    }

    private static string DatabaseOf(TempDirectory folder) => folder.Combine("data", "gateway.db");

    private static Task<(int Code, string Output, string Error)> CopyAsync(TempDirectory folder, string target) =>
        GatewayProcess.RunAsync(folder.Path, [("ENCONTACT__Storage__DatabasePath", DatabaseOf(folder))], "storage", "copy", "--to", target);

    private static async Task ExecuteOnSqliteAsync(TempDirectory folder, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabaseOf(folder)};Pooling=False");
        await connection.OpenAsync();
        await Sql.ExecuteAsync(connection, null, sql, None);
    }

    /// <summary>Every table's rows as text, sorted, so that two engines' rows compare whatever their order.</summary>
    private static async Task<Dictionary<string, List<string>>> RowsAsync(DbConnection connection)
    {
        await using (connection)
        {
            await connection.OpenAsync();
            var tableQuery = connection is SqliteConnection
                ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'schema_migrations'"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'";
            var tables = new List<string>();
            await using (var command = Sql.Command(connection, null, tableQuery))
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    tables.Add(reader.GetString(0));

            var rows = new Dictionary<string, List<string>>();
            foreach (var table in tables)
            {
                var list = new List<string>();
                await using var command = Sql.Command(connection, null, $"SELECT * FROM \"{table}\"");
                await using var reader = await command.ExecuteReaderAsync();
                var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
                var order = names.Select((n, i) => (n, i)).OrderBy(c => c.n, StringComparer.Ordinal).Select(c => c.i).ToList();
                while (await reader.ReadAsync())
                    list.Add(string.Join(" | ", order.Select(i => $"{names[i]}={Text(reader.GetValue(i))}")));
                list.Sort(StringComparer.Ordinal);
                rows[table] = list;
            }
            return rows;
        }
    }

    private static string Text(object value) => value switch
    {
        DBNull => "∅",
        bool flag => flag ? "1" : "0",
        byte[] bytes => Convert.ToBase64String(bytes),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };
}
