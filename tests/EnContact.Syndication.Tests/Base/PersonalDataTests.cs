using EnContact.Syndication.Storage;
using System.Security.Cryptography;
using System.Text;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Data.Sqlite;

namespace EnContact.Syndication.Tests.Base;

public sealed class PersonalDataTests
{
    private static readonly PersonalData Labels = new(new PersonalDataKey(Gateway.HashKey));

    [Fact]
    public void LogId_IsStableAndCarriesNothingOfTheAddress()
    {
        var id = Labels.LogId("marie.curie@exemple.fr");

        Assert.Equal(id, Labels.LogId("marie.curie@exemple.fr"));
        Assert.NotEqual(id, Labels.LogId("pierre.curie@exemple.fr"));
        Assert.Matches("^addr:[0-9a-f]{12}$", id);
    }

    [Fact]
    public void LogId_CannotBeFoundByHashingCandidateAddressesWithoutTheKey()
    {
        const string address = "marie.curie@exemple.fr";
        var label = Labels.LogId(address)["addr:".Length..];

        // What the review did with the unkeyed labels: hash each candidate the way the code did.
        var unkeyed = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("encontact-address:" + address)))[..12];
        var plain = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(address)))[..12];
        Assert.NotEqual(unkeyed, label);
        Assert.NotEqual(plain, label);
        Assert.NotEqual(label, new PersonalData(new PersonalDataKey("another-key-0123456789abcdefghijklmnop")).LogId(address)["addr:".Length..]);
    }

    [Theory]
    [InlineData("550 5.1.1 <Marie.Curie@Exemple.fr>: Recipient address rejected", "550 5.1.1 <{0}>: Recipient address rejected")]
    [InlineData("451 4.7.1 marie.curie@exemple.fr greylisted, try later", "451 4.7.1 {0} greylisted, try later")]
    [InlineData("RCPT TO:marie.curie@exemple.fr; user unknown", "RCPT TO:{0}; user unknown")]
    public void Redact_ReplacesEveryAddressInARelayReply(string reply, string expected)
    {
        Assert.Equal(string.Format(expected, Labels.LogId("marie.curie@exemple.fr")), Labels.Redact(reply));
    }

    [Fact]
    public void Redact_LeavesTextWithoutAddressesAlone()
    {
        const string reply = "421 4.3.2 Service not available, closing transmission channel (try again at 10:30)";

        Assert.Equal(reply, Labels.Redact(reply));
    }

    [Fact]
    public async Task ErasureHash_IsKeyed_AndStillSuppressesAfterARestart()
    {
        using var folder = new TempDirectory();
        const string address = "efface@exemple.fr";
        await using (var first = await Gateway.CreateAsync(folder: folder, storage: StorageProvider.Sqlite))
            await first.Services.GetRequiredService<SubscriberStore>().EraseAsync(address, keepSuppression: true, CancellationToken.None);

        await using var restarted = await Gateway.CreateAsync(folder: folder, storage: StorageProvider.Sqlite);
        var store = restarted.Services.GetRequiredService<SubscriberStore>();

        Assert.Equal("erased on request", await store.SuppressionOfAsync(address, CancellationToken.None));
        var stored = await ScalarAsync(restarted.DatabasePath, "SELECT address_hash FROM suppression_hashes");
        Assert.Equal(Labels.AddressHash(address), stored);
        Assert.NotEqual(PersonalData.LegacyAddressHash(address), stored);
    }

    [Fact]
    public async Task ErasureHash_FromBeforeTheKey_StillSuppresses()
    {
        await using var gateway = await Gateway.CreateAsync(storage: StorageProvider.Sqlite);
        const string address = "ancien@exemple.fr";
        await using (var connection = new SqliteConnection($"Data Source={gateway.DatabasePath}"))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO suppression_hashes VALUES (@hash, 'erased on request', '2026-01-01T00:00:00.0000000Z')";
            insert.Parameters.AddWithValue("@hash", PersonalData.LegacyAddressHash(address));
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal("erased on request", await gateway.Services.GetRequiredService<SubscriberStore>().SuppressionOfAsync(address, CancellationToken.None));
    }

    private static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
