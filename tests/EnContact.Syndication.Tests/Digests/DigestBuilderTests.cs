using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Tests.Feeds;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Digests;

/// <summary>Which articles an edition carries, and that a period gets one edition whatever happens.</summary>
public sealed class DigestBuilderTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task FirstEdition_TakesTheLastSevenDays_GroupedBySectionInTheConfiguredOrder(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await WeekAsync(gateway);
        await ArticleAsync(gateway, "x1", "Sans rubrique", null, "2026-11-26 12:00");
        await ArticleAsync(gateway, "z1", "Une rubrique hors liste", "zoom", "2026-11-26 12:00");

        var edition = await Builder(gateway).BuildAsync(Monday, None);
        var snapshot = (await Store(gateway).GetAsync(edition.Key, None))!.Value.Snapshot!;

        Assert.Equal(("2026-11-30-0800", 1, EditionStatus.Ready), (edition.Key, edition.Number, edition.Status));
        Assert.Equal(Monday - TimeSpan.FromDays(7), snapshot.Since);
        Assert.Equal(["analyses", "études", "indiscrétions", "zoom", null], snapshot.Sections.Select(s => s.Name));
        Assert.Equal(["a1", "a2"], snapshot.Sections[0].Items.Select(i => i.ArticleId)); // newest first
        Assert.DoesNotContain(snapshot.Sections.SelectMany(s => s.Items), i => i.ArticleId is "old" or "draft");
        Assert.Equal("La lettre d’En-Contact n° 1 — 30 novembre 2026", snapshot.Subject);
        Assert.True(snapshot.Sections[2].Items.Single().Premium);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task NextEdition_StartsAtTheLastCutOff_AndNeverCarriesAnArticleAgainEvenIfEdited(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await WeekAsync(gateway);
        await Builder(gateway).BuildAsync(Monday, None);
        gateway.Clock!.Advance(TimeSpan.FromDays(6));
        // a1 is edited and moved into the next week; n1 is new.
        await ArticleAsync(gateway, "a1", "Relation client : l’IA > le script (mis à jour)", "analyses", "2026-12-02 09:00");
        await ArticleAsync(gateway, "n1", "Nouveau la semaine suivante", "études", "2026-12-03 08:00");

        var second = await Builder(gateway).BuildAsync(Monday.AddDays(7), None);
        var snapshot = (await Store(gateway).GetAsync(second.Key, None))!.Value.Snapshot!;

        Assert.Equal((2, Monday), (second.Number, snapshot.Since));
        Assert.Equal(["n1"], snapshot.Sections.SelectMany(s => s.Items).Select(i => i.ArticleId));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task EmptyWeek_NoEditionIsSent_AndTheNextOneIsStillNumberOne(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await SubscribersAsync(gateway, ("lecteur@exemple.fr", null));

        var empty = await Builder(gateway).BuildAsync(Monday, None);
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(None);

        Assert.Equal((EditionStatus.Empty, (int?)null), (empty.Status, empty.Number));
        Assert.Contains("0 new article(s)", empty.Reason);
        Assert.Empty(await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(null, None));

        gateway.Clock!.Advance(TimeSpan.FromDays(5));
        await ArticleAsync(gateway, "n1", "Enfin du nouveau", "analyses", "2026-12-02 09:00");
        Assert.Equal(1, (await Builder(gateway).BuildAsync(Monday.AddDays(7), None)).Number);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task MinimumItems_FewerArticles_RecordedAsEmptyWithTheReason(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage, settings: new Dictionary<string, string?> { ["Digest:MinimumItems"] = "5" });
        await WeekAsync(gateway);

        var edition = await Builder(gateway).BuildAsync(Monday, None);

        Assert.Equal(EditionStatus.Empty, edition.Status);
        Assert.Equal("4 new article(s) since 2026-11-23 07:00:00Z; Digest:MinimumItems is 5", edition.Reason);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task RacingBuildsAndQueues_OneEdition_OneMessagePerSubscriber(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("a@exemple.fr", null), ("b@exemple.fr", ["études"]), ("c@exemple.fr", ["analyses", "indiscrétions"]));
        var scheduler = gateway.Services.GetRequiredService<DigestScheduler>();
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));

        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => i % 2 == 0
            ? Task.Run(() => scheduler.TickAsync(None))
            : Task.Run(async () => await Queue(gateway).QueueAsync((await Builder(gateway).BuildAsync(Monday, None)).Key, None))));

        var editions = await Store(gateway).ListAsync(None);
        var edition = Assert.Single(editions);
        Assert.Equal((EditionStatus.Sending, 3), (edition.Status, edition.Recipients));
        Assert.Equal(3, (await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(edition.Campaign, None)).Single().Total);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    [Trait("Speed", "Slow")] // compiles the letter's Razor templates
    public async Task Snapshot_ReRendersIdentically_AfterTheArticlesChange(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await WeekAsync(gateway);
        var edition = await Builder(gateway).BuildAsync(Monday, None);
        var renderer = gateway.Services.GetRequiredService<DigestRenderer>();
        var before = (await renderer.RenderAsync((await Store(gateway).GetAsync(edition.Key, None))!.Value.Snapshot!, null))!;

        await ArticleAsync(gateway, "a1", "Titre changé après l’envoi", "analyses", "2026-11-26 09:00");
        await gateway.Articles.MarkDeletedAsync("e1", None);
        var after = (await renderer.RenderAsync((await Store(gateway).GetAsync(edition.Key, None))!.Value.Snapshot!, null))!;

        Assert.Equal(before, after);
        Assert.DoesNotContain("Titre changé", after.Html);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task RestoredOlderDatabase_TheLedgerPreventsBuildingTheSamePeriodAgain(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await WeekAsync(gateway);
        await Builder(gateway).BuildAsync(Monday, None);
        // The database comes back from a backup taken before that edition.
        await using (var connection = await gateway.Services.GetRequiredService<EnContact.Syndication.Storage.Database>().OpenAsync(None))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM digest_items; DELETE FROM digest_editions;";
            await command.ExecuteNonQueryAsync();
        }

        var again = await Builder(gateway).BuildAsync(Monday, None);

        Assert.Equal((EditionStatus.Skipped, (int?)null), (again.Status, again.Number));
        Assert.Contains("ledger", again.Reason);
    }
}
