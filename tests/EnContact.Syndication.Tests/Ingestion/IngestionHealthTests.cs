using EnContact.Syndication.Storage;
using System.Net;
using System.Text.Json.Nodes;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Data.Sqlite;

namespace EnContact.Syndication.Tests.Ingestion;

/// <summary>/healthz tells when the content folder is not being ingested: a scan that fails, or one that does not end.</summary>
[Trait("Speed", "Slow")]
public sealed class IngestionHealthTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FailingScan_MakesHealthUnhealthyWithTheReason_UntilAScanSucceeds()
    {
        var logs = new LogCapture();
        await using var gateway = await StartAsync(logs, busyTimeout: "00:00:01");
        await using (var blocker = await HoldWriteLockAsync(gateway))
        {
            gateway.WriteContent("a.md", SampleArticles.Markdown());
            await logs.WaitForAsync(l => l.Contains("failed; the next change or rescan will try again")).WaitAsync(Patience);

            var (status, health) = await HealthAsync(gateway);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("unhealthy", (string?)health["status"]);
            Assert.Contains("failed: ", (string?)health["checks"]!["ingestion"]!["description"]);
            Assert.Contains("locked", (string?)health["checks"]!["ingestion"]!["description"]);
        }

        // The next change is scanned with the lock gone (an event, not the clock: the worker may not be waiting on it yet).
        var seen = gateway.Articles.Changes.Version;
        gateway.WriteContent("b.md", SampleArticles.Markdown(title: "Un autre article"));
        await gateway.Articles.Changes.WaitForChangeAsync(seen, CancellationToken.None).WaitAsync(Patience);
        var (after, _) = await HealthAsync(gateway);
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task ScanThatDoesNotEnd_MakesHealthUnhealthy()
    {
        var logs = new LogCapture();
        await using var gateway = await StartAsync(logs, busyTimeout: "00:05:00");
        await using (var blocker = await HoldWriteLockAsync(gateway))
        {
            gateway.WriteContent("a.md", SampleArticles.Markdown());
            await logs.WaitForAsync(l => l.Contains("Scanning") && l.Contains("(Changes)")).WaitAsync(Patience);
            gateway.Clock!.Advance(TimeSpan.FromMinutes(6));

            var (status, health) = await HealthAsync(gateway);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("scan", (string?)health["checks"]!["ingestion"]!["description"]);
        }
    }

    [Fact]
    public async Task MissingContentFolder_IsUnhealthy()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, ingestFolder: true, storage: StorageProvider.Sqlite,
            settings: new Dictionary<string, string?> { ["Ingestion:ContentPath"] = "/nonexistent/encontact-content" });
        await gateway.Services.GetRequiredService<ContentFolderWorker>().InitialScan.WaitAsync(Patience);

        var (status, health) = await HealthAsync(gateway);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("the content folder does not exist (Ingestion:ContentPath)", (string?)health["checks"]!["ingestion"]!["description"]);
    }

    private static async Task<Gateway> StartAsync(LogCapture logs, string busyTimeout)
    {
        var gateway = await Gateway.CreateAsync(start: true, ingestFolder: true, storage: StorageProvider.Sqlite, logs: logs, settings: new Dictionary<string, string?>
        {
            ["Storage:BusyTimeout"] = busyTimeout,
            ["Logging:LogLevel:EnContact.Syndication.Ingestion"] = "Debug",
        });
        await gateway.Services.GetRequiredService<ContentFolderWorker>().InitialScan.WaitAsync(Patience);
        return gateway;
    }

    /// <summary>Another writer holding SQLite's write lock, as a stuck process would.</summary>
    private static async Task<SqliteConnection> HoldWriteLockAsync(Gateway gateway)
    {
        var connection = new SqliteConnection($"Data Source={gateway.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        await begin.ExecuteNonQueryAsync();
        return connection;
    }

    private static async Task<(HttpStatusCode, JsonObject)> HealthAsync(Gateway gateway)
    {
        using var client = gateway.NewClient(null);
        using var response = await client.GetAsync("/healthz");
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }
}
