using EnContact.Syndication.Members;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Members;

/// <summary>
/// The member store on each storage: the active addresses at an instant (revoked and expired members
/// left out), idempotent upserts, revocation that keeps the row, token rotation and lookup by token.
/// </summary>
public sealed class MemberStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static MemberStore Store(Gateway gateway) => gateway.Services.GetRequiredService<MemberStore>();

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task ActiveAddresses_RevokedAndExpiredMembers_AreLeftOut(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var store = Store(gateway);
        var now = gateway.Clock!.GetUtcNow();
        await store.UpsertAsync(new MemberUpsert("pw-1", "lea@exemple.fr", "Léa", null), None);
        await store.UpsertAsync(new MemberUpsert("pw-2", "marc@exemple.fr", null, now.AddDays(3)), None);
        await store.UpsertAsync(new MemberUpsert("pw-3", "anne@exemple.fr", null, now.AddDays(-1)), None);
        await store.UpsertAsync(new MemberUpsert("pw-4", "paul@exemple.fr", null, null), None);
        await store.RevokeAsync("pw-4", None);

        var today = await store.ActiveAddressesAsync(now, None);
        var inFourDays = await store.ActiveAddressesAsync(now.AddDays(4), None);

        Assert.Equal(["lea@exemple.fr", "marc@exemple.fr"], today.Order());
        Assert.Equal(["lea@exemple.fr"], inFourDays.Order());
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Upsert_SameValuesTwice_ChangesNothing(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var store = Store(gateway);
        var member = new MemberUpsert("pw-1", "lea@exemple.fr", "Léa", Gateway.DefaultNow.AddYears(1));

        var first = await store.UpsertAsync(member, None);
        var before = await store.GetAsync("pw-1", None);
        gateway.Clock!.Advance(TimeSpan.FromHours(1));
        var second = await store.UpsertAsync(member, None);

        Assert.Equal((UpsertResult.Created, UpsertResult.Unchanged), (first, second));
        Assert.Equal(before, await store.GetAsync("pw-1", None));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task RotateToken_OldTokenNoLongerFindsTheMember_NewOneDoes(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var store = Store(gateway);
        var tokens = gateway.Services.GetRequiredService<MemberFeedTokens>();
        await store.UpsertAsync(new MemberUpsert("pw-1", "lea@exemple.fr", null, null), None);
        var oldToken = tokens.TokenFor((await store.GetAsync("pw-1", None))!.FeedNonce);

        var rotated = await store.RotateTokenAsync("pw-1", None);
        var newToken = tokens.TokenFor(rotated!.FeedNonce);

        Assert.Null(await store.FindByTokenAsync(oldToken, None));
        Assert.Equal("pw-1", (await store.FindByTokenAsync(newToken, None))?.ExternalId);
        Assert.True(MemberFeedTokens.LooksLikeToken(newToken));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Upsert_RevokedMemberSentAgain_IsReinstatedWithANewToken(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var store = Store(gateway);
        var member = new MemberUpsert("pw-1", "lea@exemple.fr", null, null);
        await store.UpsertAsync(member, None);
        var oldNonce = (await store.GetAsync("pw-1", None))!.FeedNonce;
        Assert.True(await store.RevokeAsync("pw-1", None));
        Assert.False(await store.RevokeAsync("pw-unknown", None));

        var result = await store.UpsertAsync(member, None);
        var reinstated = await store.GetAsync("pw-1", None);

        Assert.Equal(UpsertResult.Reinstated, result);
        Assert.Null(reinstated!.RevokedAt);
        Assert.NotEqual(oldNonce, reinstated.FeedNonce);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Rehash_AfterTheSecretChanged_TheDerivedAddressWorksAndTheOldOneNoLonger(StorageProvider storage)
    {
        using var folder = new TempDirectory();
        string oldToken;
        await using (var before = await Gateway.CreateAsync(storage: storage, folder: folder))
        {
            await Store(before).UpsertAsync(new MemberUpsert("pw-1", "lea@exemple.fr", null, null), None);
            oldToken = before.Services.GetRequiredService<MemberFeedTokens>().TokenFor((await Store(before).GetAsync("pw-1", None))!.FeedNonce);
        }
        await using var after = await Gateway.CreateAsync(storage: storage, folder: folder,
            settings: new Dictionary<string, string?> { ["Members:FeedTokenSecret"] = "another-member-feed-secret-0123456789abcdef" });
        var newToken = after.Services.GetRequiredService<MemberFeedTokens>().TokenFor((await Store(after).GetAsync("pw-1", None))!.FeedNonce);

        var rehashed = await Store(after).RehashAsync(None);

        Assert.Equal(1, rehashed);
        Assert.Equal(0, await Store(after).RehashAsync(None));
        Assert.Equal("pw-1", (await Store(after).FindByTokenAsync(newToken, None))?.ExternalId);
        Assert.Null(await Store(after).FindByTokenAsync(oldToken, None));
    }
}
