using EnContact.Syndication.Storage;
using System.Net.Http.Json;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Storage;

/// <summary>What holds subscribers' data is the gateway's alone: the database and its journals, the ledger, queued mail.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Trait("Speed", "Slow")]
public sealed class PrivateFilesTests
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = OwnerOnlyFile | UnixFileMode.UserExecute;

    [Fact]
    public async Task DatabaseLedgerAndPickupMail_AreCreatedOwnerOnly()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, storage: StorageProvider.Sqlite);
        using var anonymous = gateway.NewClient(null);
        (await anonymous.PostAsJsonAsync("/subscribe", new { email = "prive@exemple.fr" })).EnsureSuccessStatusCode();
        var outbox = Path.Combine(gateway.Root, "outbox");
        await gateway.WaitForCampaignAsync($"confirm-{Gateway.DefaultNow:yyyyMMdd}", p => p.Sent == 1);
        var ledger = gateway.Services.GetRequiredService<DigestLedger>();
        ledger.Record("digest-2026-48");

        // SQLite deletes its -wal and -shm files when the last connection closes: one held open by the
        // gateway's own storage keeps them there while they are looked at.
        await using var held = await gateway.Services.GetRequiredService<EnContact.Syndication.Storage.Database>().OpenAsync(CancellationToken.None);
        await EnContact.Syndication.Storage.Sql.ScalarAsync(held, null, "SELECT COUNT(*) FROM subscribers", CancellationToken.None);
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(Path.GetDirectoryName(gateway.DatabasePath)!));
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(gateway.DatabasePath + suffix));
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(outbox));
        Assert.All(Directory.GetFiles(outbox, "*.eml"), eml => Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(eml)));
        Assert.Single(Directory.GetFiles(outbox, "*.eml"));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(ledger.Path!));
    }

    [Fact]
    public async Task DatabaseFromAnEarlierRelease_ReadableByOthers_IsRestricted()
    {
        using var folder = new TempDirectory();
        await using (var first = await Gateway.CreateAsync(folder: folder, storage: StorageProvider.Sqlite))
        {
        }
        var database = folder.Combine("data", "gateway.db");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.SetUnixFileMode(database, OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using var again = await Gateway.CreateAsync(folder: folder, storage: StorageProvider.Sqlite);

        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(database));
    }
}
