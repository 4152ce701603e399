using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EnContact.Syndication.Bounces;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Bounces;
using EnContact.Syndication.Tests.Desk;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Digests;

/// <summary>
/// An edition's counts follow its messages after it finished: a report that comes back days later
/// about a message the relay accepted moves it from sent to failed (and counts it bounced), once,
/// whether the report is handled twice or the message had already been counted failed at the finish.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class DigestCompletionTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, MemberData(nameof(Storages.Both), MemberType = typeof(Storages))]
    public async Task LateBounce_AfterTheEditionFinished_MovesTheMessageFromSentToFailed_OnceEvenWhenTheReportComesTwice(StorageProvider storage)
    {
        await using var bed = await BounceTestBed.StartAsync(storage);
        var (hard, soft) = (BounceTestBed.Readers[0], BounceTestBed.Readers[1]);
        await WeekAsync(bed.Gateway);
        var edition = await Builder(bed.Gateway).BuildAsync(Monday, None);
        await Queue(bed.Gateway).QueueAsync(edition.Key, None);
        var finished = await FinishedAsync(bed.Gateway, edition.Key);

        var first = await bed.Handler.HandleAsync(bed.Report("postfix-dsn.eml", edition.Campaign, hard), None);
        var again = await bed.Handler.HandleAsync(bed.Report("postfix-dsn.eml", edition.Campaign, hard), None);
        var afterOne = await EditionAsync(bed.Gateway, edition.Key);
        await bed.Handler.HandleAsync(bed.Report("gmail-dsn.eml", edition.Campaign, soft), None);
        var afterTwo = await EditionAsync(bed.Gateway, edition.Key);

        Assert.Equal((EditionStatus.Sent, new DeliveryCounts(3, 0, 0, 0)), (finished.Status, finished.Counts));
        Assert.True(first.Understood && again.Understood, first.Summary + " / " + again.Summary);
        Assert.Equal((EditionStatus.SentWithFailures, new DeliveryCounts(2, 1, 0, 0, Bounced: 1)), (afterOne.Status, afterOne.Counts));
        Assert.Equal((EditionStatus.SentWithFailures, new DeliveryCounts(1, 2, 0, 0, Bounced: 2)), (afterTwo.Status, afterTwo.Counts));
        var api = await bed.Gateway.Client.GetFromJsonAsync<JsonObject>($"/api/digests/{edition.Key}");
        Assert.Equal(("sent-with-failures", 1, 2, 2), ((string?)api!["edition"]!["status"], (int)api["edition"]!["counts"]!["sent"]!,
            (int)api["edition"]!["counts"]!["failed"]!, (int)api["edition"]!["counts"]!["bounced"]!));
        var progress = (await bed.Gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(edition.Campaign, None)).Single();
        Assert.Equal((afterTwo.Counts!.Sent, afterTwo.Counts.Failed, afterTwo.Counts.Bounced), (progress.Sent, progress.Failed, progress.Bounced)); // the edition and its delivery agree
        await DeskFixture.AddStaffAsync(bed.Gateway, DeskFixture.EditorName, EnContact.Syndication.Desk.StaffRole.Editor, DeskFixture.EditorEmail);
        using var browser = await DeskFixture.SignedInAsync(bed.Gateway);
        var row = (await browser.GetAsync("/admin/editions")).Document.QuerySelector($"tr[data-campaign='{edition.Campaign}']")!;
        Assert.Equal(("1", "2", "dont 2 rebonds après envoi"), (row.QuerySelector("[data-field=sent]")!.TextContent,
            row.QuerySelector("[data-field=failed]")!.TextContent, row.QuerySelector("[data-field=bounced]")!.TextContent));
        Assert.Equal("envoyée avec échecs", row.QuerySelector(".pill")!.TextContent);
    }

    [Fact]
    public async Task Bounce_WhileTheEditionIsStillSending_IsCountedByItsFinishOnly_ThenLaterBouncesMoveTheCounts()
    {
        await using var gateway = await Gateway.CreateAsync(); // not started: the test settles the messages and finishes the edition itself
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("a@exemple.fr", null), ("b@exemple.fr", null), ("c@exemple.fr", null));
        var edition = await Builder(gateway).BuildAsync(Monday, None);
        await Queue(gateway).QueueAsync(edition.Key, None);
        var outbox = gateway.Services.GetRequiredService<OutboxStore>();
        foreach (var item in await outbox.ClaimAsync("w", 10, None))
            await outbox.MarkSentAsync(item, "250 ok", None);
        var bounces = gateway.Services.GetRequiredService<BounceStore>();

        var early = await bounces.MarkBouncedAsync(await SentAsync(gateway, edition, "a@exemple.fr"), BounceClass.Mailbox, "bounced after delivery", None);
        var whileSending = await EditionAsync(gateway, edition.Key);
        await gateway.Services.GetRequiredService<DigestCompletion>().ReconcileAsync(None);
        var atFinish = await EditionAsync(gateway, edition.Key);
        var twice = await bounces.MarkBouncedAsync(await SentAsync(gateway, edition, "a@exemple.fr"), BounceClass.Mailbox, "bounced after delivery", None);
        var late = await bounces.MarkBouncedAsync(await SentAsync(gateway, edition, "b@exemple.fr"), BounceClass.MailboxFull, "bounced after delivery", None);
        var afterLate = await EditionAsync(gateway, edition.Key);

        Assert.True(early);
        Assert.Equal((EditionStatus.Sending, null), (whileSending.Status, whileSending.Counts));
        Assert.Equal((EditionStatus.SentWithFailures, new DeliveryCounts(2, 1, 0, 0, Bounced: 1)), (atFinish.Status, atFinish.Counts));
        Assert.False(twice);
        Assert.True(late);
        Assert.Equal(new DeliveryCounts(1, 2, 0, 0, Bounced: 2), afterLate.Counts);
        var database = new (string, string?)[] { ("ENCONTACT__Storage__DatabasePath", gateway.DatabasePath) };
        var (listCode, list, listError) = await GatewayProcess.RunAsync(gateway.Root, database, "digest", "list");
        var (statusCode, status, statusError) = await GatewayProcess.RunAsync(gateway.Root, database, "delivery", "status");
        Assert.True(listCode == 0, listError);
        var line = list.Split('\n').Single(l => l.StartsWith(edition.Key, StringComparison.Ordinal));
        Assert.Contains(" sent-with-failures ", line);
        Assert.EndsWith("1 sent, 2 failed (2 of them bounced back), 0 suppressed", line.TrimEnd());
        Assert.True(statusCode == 0, statusError);
        Assert.Contains("  2 of the failed bounced back after the relay accepted them", status);
    }

    private static async Task<SentMessage> SentAsync(Gateway gateway, EditionSummary edition, string reader) =>
        await gateway.Services.GetRequiredService<BounceStore>().FindByMessageIdAsync(BounceTestBed.MessageIdOf(edition.Campaign, reader), None)
        ?? throw new Xunit.Sdk.XunitException($"no sent message to {reader}");

    private static async Task<EditionSummary> EditionAsync(Gateway gateway, string key) => (await Store(gateway).GetAsync(key, None))!.Value.Edition;

    /// <summary>Waits on the editions' change signal (not a timer; 60 s at most) until the edition has finished.</summary>
    internal static async Task<EditionSummary> FinishedAsync(Gateway gateway, string key)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var seen = Store(gateway).Changes.Version;
            if (await EditionAsync(gateway, key) is { FinishedAt: not null } finished)
                return finished;
            await Store(gateway).Changes.WaitForChangeAsync(seen, limit.Token);
        }
    }
}
