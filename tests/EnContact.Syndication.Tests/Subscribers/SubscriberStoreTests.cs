using EnContact.Syndication.Delivery;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>
/// The subscriber store on each storage: consent (pending, confirmed through the link that was sent,
/// unsubscribed and suppressed), preferences, the operator's search, counts, import, the digest's
/// recipients page by page, erasure and the purge of unconfirmed requests.
/// </summary>
public sealed class SubscriberStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan ResendInterval = TimeSpan.FromMinutes(2);

    private static SubscriberStore Store(Gateway gateway) => gateway.Services.GetRequiredService<SubscriberStore>();

    private static Task<ConfirmationPlan> AskAsync(Gateway gateway, string address, string? name = null, IReadOnlyList<string>? sections = null, int maxPerDay = 3) =>
        Store(gateway).PlanConfirmationAsync(new SubscriptionRequest(address, name, sections, "web form"), ResendInterval, maxPerDay, None);

    private static ImportRow Row(int line, string address, string? name = null, IReadOnlyList<string>? sections = null) =>
        new(line, address, name, Gateway.DefaultNow.AddDays(-30), "salon", sections);

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task PlanConfirmation_NewAddress_IsPendingWithOneConfirmation_ThenWaitsAndCountsTheDay(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);

        var first = await AskAsync(gateway, "lea@exemple.fr", "Léa", ["analyses"]);
        var tooSoon = await AskAsync(gateway, "lea@exemple.fr");
        gateway.Clock!.Advance(ResendInterval);
        var second = await AskAsync(gateway, "lea@exemple.fr");
        gateway.Clock.Advance(ResendInterval);
        await AskAsync(gateway, "lea@exemple.fr");
        gateway.Clock.Advance(ResendInterval);
        var overTheDay = await AskAsync(gateway, "lea@exemple.fr");

        Assert.Equal((ConfirmationMail.Confirm, 1), (first.Mail, first.SendNumber));
        Assert.Equal((ConfirmationMail.None, first.SubscriberId, (string?)null), (tooSoon.Mail, tooSoon.SubscriberId, tooSoon.Nonce));
        Assert.Equal((ConfirmationMail.Confirm, 2), (second.Mail, second.SendNumber));
        Assert.NotEqual(first.Nonce, second.Nonce);
        Assert.Equal(ConfirmationMail.None, overTheDay.Mail);
        var pending = (await Store(gateway).FindAsync("lea@exemple.fr", None))!;
        Assert.Equal((SubscriberStatus.Pending, "Léa", first.SubscriberId), (pending.Status, pending.Name, pending.Id));
        Assert.Equal(["analyses"], pending.Sections!);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Confirm_TheLinkOfARequest_ConfirmsItsChoices_AndEveryOtherLinkStopsWorking(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var early = await AskAsync(gateway, "lea@exemple.fr", "Léa", ["analyses", "études"]);
        gateway.Clock!.Advance(ResendInterval);
        var later = await AskAsync(gateway, "lea@exemple.fr", "Quelqu’un d’autre", null);

        var choices = await Store(gateway).PendingChoicesAsync(early.SubscriberId, early.Nonce!, None);
        var confirmed = await Store(gateway).ConfirmAsync(early.SubscriberId, early.Nonce!, None);
        var again = await Store(gateway).ConfirmAsync(early.SubscriberId, early.Nonce!, None);
        var other = await Store(gateway).ConfirmAsync(later.SubscriberId, later.Nonce!, None);
        var unknown = await Store(gateway).ConfirmAsync(SubscriberStore.NewId(), early.Nonce!, None);

        Assert.Equal(("Léa", "web form"), (choices!.Name, choices.Source));
        Assert.Equal(["analyses", "études"], choices.Sections!);
        Assert.Equal((ConfirmOutcome.Confirmed, ConfirmOutcome.AlreadyConfirmed, ConfirmOutcome.AlreadyConfirmed, ConfirmOutcome.Unknown), (confirmed, again, other, unknown));
        Assert.Null(await Store(gateway).PendingChoicesAsync(later.SubscriberId, later.Nonce!, None));
        var active = (await Store(gateway).GetAsync(early.SubscriberId, None))!;
        Assert.Equal((SubscriberStatus.Active, "Léa", Gateway.DefaultNow + ResendInterval), (active.Status, active.Name, active.ConfirmedAt));
        Assert.Equal(["analyses", "études"], active.Sections!);
        gateway.Clock.Advance(ResendInterval);
        Assert.Equal(ConfirmationMail.AlreadySubscribed, (await AskAsync(gateway, "lea@exemple.fr")).Mail);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Unsubscribe_SuppressesTheAddress_AndConfirmingAgainLiftsIt(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var plan = await AskAsync(gateway, "lea@exemple.fr");
        await Store(gateway).ConfirmAsync(plan.SubscriberId, plan.Nonce!, None);

        Assert.True(await Store(gateway).UnsubscribeAsync(plan.SubscriberId, "unsubscribed by the reader", None));
        Assert.True(await Store(gateway).UnsubscribeAsync(plan.SubscriberId, "twice", None));
        Assert.False(await Store(gateway).UnsubscribeAsync(SubscriberStore.NewId(), "nobody", None));
        var gone = (await Store(gateway).GetAsync(plan.SubscriberId, None))!;
        Assert.Equal((SubscriberStatus.Unsubscribed, "unsubscribed by the reader"), (gone.Status, gone.Suppression));
        Assert.Equal("unsubscribed by the reader", await Store(gateway).SuppressionOfAsync("lea@exemple.fr", None));
        Assert.Null(await Store(gateway).UpdatePreferencesAsync(plan.SubscriberId, null, paused: true, None));

        gateway.Clock!.Advance(TimeSpan.FromDays(1));
        var back = await AskAsync(gateway, "lea@exemple.fr");
        Assert.Equal(ConfirmationMail.Confirm, back.Mail);
        Assert.Equal(ConfirmOutcome.Confirmed, await Store(gateway).ConfirmAsync(back.SubscriberId, back.Nonce!, None));
        Assert.Null(await Store(gateway).SuppressionOfAsync("lea@exemple.fr", None));
        Assert.Equal(SubscriberStatus.Active, (await Store(gateway).GetAsync(back.SubscriberId, None))!.Status);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task UpdatePreferences_SectionsAndPause_AreKeptAndShowInTheCounts(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await Store(gateway).ImportAsync([Row(2, "a@exemple.fr"), Row(3, "b@exemple.fr"), Row(4, "c@exemple.fr")], dryRun: false, null, None);
        var b = (await Store(gateway).FindAsync("b@exemple.fr", None))!;
        var c = (await Store(gateway).FindAsync("c@exemple.fr", None))!;

        var chosen = await Store(gateway).UpdatePreferencesAsync(b.Id, ["études", "analyses"], paused: false, None);
        var paused = await Store(gateway).UpdatePreferencesAsync(c.Id, null, paused: true, None);
        await gateway.Services.GetRequiredService<SuppressionList>().SuppressAsync("a@exemple.fr", "hard bounce", None);
        var counts = await Store(gateway).CountsAsync(["analyses", "études", "indiscrétions"], None);

        Assert.Equal(["analyses", "études"], chosen!.Sections!);
        Assert.Equal((SubscriberStatus.Paused, (IReadOnlyList<string>?)null), (paused!.Status, paused.Sections));
        Assert.Equal((2L, 1L, 0L), (counts.ByStatus["active"], counts.ByStatus["paused"], counts.ByStatus["pending"]));
        Assert.Equal((1L, 1L), (counts.Mailable, counts.ActiveButSuppressed));
        Assert.Equal((1L, 1L, 0L), (counts.BySection["analyses"], counts.BySection["études"], counts.BySection["indiscrétions"]));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task List_SearchesAddressAndNameInAnyCase_LiterallyAndPageByPage(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await Store(gateway).ImportAsync(
        [
            Row(2, "claire.dubois@exemple.fr", "Claire-Élise Dubois", ["analyses"]),
            Row(3, "noel@cafe.fr", "NOËL Lefèvre"),
            Row(4, "cent_pour_cent@exemple.fr", "100% abonnée"),
            Row(5, "autre@exemple.fr", "Autre"),
        ], dryRun: false, null, None);

        var accented = await Store(gateway).ListAsync(new SubscriberQuery { Search = "élise" }, None);
        var upper = await Store(gateway).ListAsync(new SubscriberQuery { Search = "noël" }, None);
        var percent = await Store(gateway).ListAsync(new SubscriberQuery { Search = "100%" }, None);
        var underscore = await Store(gateway).ListAsync(new SubscriberQuery { Search = "t_p" }, None);
        var notWildcards = await Store(gateway).ListAsync(new SubscriberQuery { Search = "t%p" }, None);
        var notAnyCharacter = await Store(gateway).ListAsync(new SubscriberQuery { Search = "e_d" }, None);
        var bySection = await Store(gateway).ListAsync(new SubscriberQuery { Section = "études" }, None);
        var page = await Store(gateway).ListAsync(new SubscriberQuery { PageSize = 3, Page = 2 }, None);

        Assert.Equal(["claire.dubois@exemple.fr"], accented.Items.Select(s => s.Address));
        Assert.Equal(["noel@cafe.fr"], upper.Items.Select(s => s.Address));
        Assert.Equal(["cent_pour_cent@exemple.fr"], percent.Items.Select(s => s.Address));
        Assert.Equal(["cent_pour_cent@exemple.fr"], underscore.Items.Select(s => s.Address));
        Assert.Empty(notWildcards.Items); // as a pattern, "t%p" would match "autre@exemple.fr"
        Assert.Empty(notAnyCharacter.Items); // as a pattern, "e_d" would match "claire.dubois"
        Assert.Equal(3, bySection.Total); // those who take every section, and not Claire
        Assert.DoesNotContain(bySection.Items, s => s.Address == "claire.dubois@exemple.fr");
        Assert.Equal((4L, 1), (page.Total, page.Items.Count));
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Import_NewPendingActiveUnsubscribedAndSuppressed_EachGetsItsOutcome_AndADryRunWritesNothing(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var pending = await AskAsync(gateway, "pending@exemple.fr");
        var leaving = await AskAsync(gateway, "parti@exemple.fr");
        await Store(gateway).ConfirmAsync(leaving.SubscriberId, leaving.Nonce!, None);
        await Store(gateway).UnsubscribeAsync(leaving.SubscriberId, "unsubscribed", None);
        await gateway.Services.GetRequiredService<SuppressionList>().SuppressAsync("rebond@exemple.fr", "hard bounce", None);
        ImportRow[] rows = [Row(2, "nouveau@exemple.fr", "Nouveau", ["études"]), Row(3, "pending@exemple.fr"), Row(4, "parti@exemple.fr"), Row(5, "rebond@exemple.fr")];

        var dry = await Store(gateway).ImportAsync(rows, dryRun: true, null, None);
        Assert.Null(await Store(gateway).FindAsync("nouveau@exemple.fr", None));
        Assert.Equal(SubscriberStatus.Pending, (await Store(gateway).GetAsync(pending.SubscriberId, None))!.Status);
        var real = await Store(gateway).ImportAsync(rows, dryRun: false, null, None);
        var again = await Store(gateway).ImportAsync(rows[..1], dryRun: false, null, None);

        ImportResult[] expected = [ImportResult.Created, ImportResult.Activated, ImportResult.Rejected, ImportResult.Rejected];
        Assert.Equal(expected, dry.Select(o => o.Result));
        Assert.Equal(expected, real.Select(o => o.Result));
        Assert.Equal([2, 3, 4, 5], real.Select(o => o.Line));
        Assert.Contains("suppressed (hard bounce)", real[3].Reason);
        Assert.Equal(ImportResult.Unchanged, again.Single().Result);
        var created = (await Store(gateway).FindAsync("nouveau@exemple.fr", None))!;
        Assert.Equal((SubscriberStatus.Active, "Nouveau", Gateway.DefaultNow.AddDays(-30), "salon"), (created.Status, created.Name, created.ConsentAt, created.ConsentSource));
        Assert.Equal(["études"], created.Sections!);
        Assert.Null(await Store(gateway).PendingChoicesAsync(pending.SubscriberId, pending.Nonce!, None)); // its link is spent
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task MailablePages_EveryActiveUnsuppressedReaderOnce_InPagesWithTheirSections(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var rows = Enumerable.Range(0, 25).Select(i => Row(i + 2, $"lecteur{i:00}@exemple.fr", sections: i % 5 == 0 ? ["études"] : null)).ToList();
        await Store(gateway).ImportAsync(rows, dryRun: false, null, None);
        await gateway.Services.GetRequiredService<SuppressionList>().SuppressAsync("lecteur03@exemple.fr", "hard bounce", None);
        var paused = (await Store(gateway).FindAsync("lecteur04@exemple.fr", None))!;
        await Store(gateway).UpdatePreferencesAsync(paused.Id, null, paused: true, None);
        await AskAsync(gateway, "pas-encore@exemple.fr");

        var pages = new List<IReadOnlyList<Recipient>>();
        await foreach (var page in Store(gateway).MailablePagesAsync(10, None))
            pages.Add(page);

        Assert.Equal([10, 10, 3], pages.Select(p => p.Count));
        var everyone = pages.SelectMany(p => p).ToList();
        Assert.Equal(everyone.Count, everyone.Select(r => r.Address).Distinct().Count());
        Assert.DoesNotContain(everyone, r => r.Address is "lecteur03@exemple.fr" or "lecteur04@exemple.fr" or "pas-encore@exemple.fr");
        Assert.Equal(["études"], everyone.Single(r => r.Address == "lecteur05@exemple.fr").Sections!);
        Assert.Null(everyone.Single(r => r.Address == "lecteur06@exemple.fr").Sections);
        Assert.Equal(everyone.Select(r => r.Address).Order(), (await Store(gateway).MailableAsync(None)).Select(r => r.Address).Order());
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Erase_RemovesTheSubscriberAndTheirMessages_KeepingOnlyAHashThatRefusesImports(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        await Store(gateway).ImportAsync([Row(2, "lea@exemple.fr", "Léa"), Row(3, "autre@exemple.fr")], dryRun: false, null, None);
        var outbox = gateway.Services.GetRequiredService<OutboxStore>();
        await outbox.EnqueueAsync(new MessageBody("Sujet", "Texte", "<p>Texte</p>"),
            [new OutboxRequest { Campaign = "digest-1", Kind = MailKind.Bulk, RecipientAddress = "lea@exemple.fr" },
             new OutboxRequest { Campaign = "digest-1", Kind = MailKind.Bulk, RecipientAddress = "autre@exemple.fr" }], None);

        var report = await Store(gateway).EraseAsync("lea@exemple.fr", keepSuppression: true, None);
        var reimport = await Store(gateway).ImportAsync([Row(2, "lea@exemple.fr")], dryRun: false, null, None);

        Assert.Equal(new ErasureReport(true, 1, true), report);
        Assert.Null(await Store(gateway).FindAsync("lea@exemple.fr", None));
        Assert.Equal("erased on request", await Store(gateway).SuppressionOfAsync("lea@exemple.fr", None));
        Assert.Equal(ImportResult.Rejected, reimport.Single().Result);
        Assert.Equal(["autre@exemple.fr"], (await Store(gateway).MailableAsync(None)).Select(r => r.Address));
        Assert.Equal(1, (await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync("digest-1", None)).Single().Total);
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task Erase_AddressOfAPayingMember_RemovesTheMemberAndWhereTheirFeedsWereRead_OnlyTheirs(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var members = gateway.Services.GetRequiredService<EnContact.Syndication.Members.MemberStore>();
        await members.UpsertAsync(new EnContact.Syndication.Members.MemberUpsert("pw-1", "lea@exemple.fr", "Léa", null), None);
        await members.UpsertAsync(new EnContact.Syndication.Members.MemberUpsert("pw-2", "autre@exemple.fr", null, null), None);
        var now = gateway.Clock!.GetUtcNow();
        await members.RecordClientAsync("pw-1", "client-a", now, None);
        await members.RecordClientAsync("pw-2", "client-b", now, None);

        var report = await Store(gateway).EraseAsync("Lea@Exemple.fr".ToLowerInvariant(), keepSuppression: false, None);

        Assert.Equal(1, report.MembersRemoved);
        Assert.Null(await members.GetAsync("pw-1", None));
        Assert.NotNull(await members.GetAsync("pw-2", None));
        Assert.Equal(["autre@exemple.fr"], await members.ActiveAddressesAsync(now, None));
        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync(None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT external_id FROM member_clients";
        Assert.Equal("pw-2", await command.ExecuteScalarAsync());
    }

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task PurgeStalePending_RemovesOnlyRequestsNobodyConfirmedOrRenewed(StorageProvider storage)
    {
        await using var gateway = await Gateway.CreateAsync(storage: storage);
        var stale = await AskAsync(gateway, "ancien@exemple.fr", sections: ["analyses"]);
        var renewed = await AskAsync(gateway, "relance@exemple.fr");
        var confirmed = await AskAsync(gateway, "oui@exemple.fr");
        await Store(gateway).ConfirmAsync(confirmed.SubscriberId, confirmed.Nonce!, None);
        gateway.Clock!.Advance(TimeSpan.FromDays(10));
        await AskAsync(gateway, "relance@exemple.fr");

        var purged = await Store(gateway).PurgeStalePendingAsync(gateway.Clock.GetUtcNow() - TimeSpan.FromDays(7), None);

        Assert.Equal(1, purged);
        Assert.Null(await Store(gateway).GetAsync(stale.SubscriberId, None));
        Assert.Null(await Store(gateway).PendingChoicesAsync(stale.SubscriberId, stale.Nonce!, None));
        Assert.NotNull(await Store(gateway).GetAsync(renewed.SubscriberId, None));
        Assert.NotNull(await Store(gateway).GetAsync(confirmed.SubscriberId, None));
    }
}
