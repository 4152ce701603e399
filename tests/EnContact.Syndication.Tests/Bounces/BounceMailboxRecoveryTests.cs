using System.Net.Http.Json;
using MailKit;
using EnContact.Syndication.Bounces;
using EnContact.Syndication.Tests.Fixtures;
using static EnContact.Syndication.Tests.Bounces.BounceMailboxWorkerTests;

namespace EnContact.Syndication.Tests.Bounces;

/// <summary>The reader when the server goes away, lacks IDLE or MOVE, or another gateway reads: nothing lost, nothing handled twice.</summary>
[Trait("Speed", "Slow")]
public sealed class BounceMailboxRecoveryTests
{
    [Fact]
    public async Task Worker_ServerStoppedMidRun_IsDegradedThenReconnectsLosingNothingAndHandlingNothingTwice()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("avant-1"), ScriptedBounceHandler.Mail("avant-2"));
        var handler = new ScriptedBounceHandler();
        var clock = new WatchedClock();
        await using var gateway = await StartGatewayAsync(dovecot, handler, clock: clock);
        await WaitForAsync(gateway, s => s.Handled == 2 && s.Waiting == "idle");
        var armed = clock.Armed(BounceMailboxWorker.ReconnectDelay);

        await dovecot.StopAsync();
        await WaitForAsync(gateway, s => s.State == BounceMailboxState.Unreachable);
        var health = await gateway.Client.GetFromJsonAsync<HealthApi.Health>("/healthz");
        Assert.Equal("degraded", health!.Checks["bounce-mailbox"].Status);
        Assert.Contains("the bounce mailbox has been unreachable since", health.Checks["bounce-mailbox"].Description);
        Assert.Contains("the connection broke", health.Checks["bounce-mailbox"].Description);

        await dovecot.StartAsync();
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("après-1"), ScriptedBounceHandler.Mail("après-2"));
        await clock.WaitForTimerAsync(BounceMailboxWorker.ReconnectDelay, armed);
        clock.Advance(BounceMailboxWorker.ReconnectDelay);
        var status = await WaitForAsync(gateway, s => s.Handled == 4 && s.Waiting == "idle");

        string[] all = ["avant-1@bounces.test", "avant-2@bounces.test", "après-1@bounces.test", "après-2@bounces.test"];
        Assert.Equal(all, handler.Calls);
        Assert.Equal(all, await dovecot.MessageIdsAsync("Traitements"));
        Assert.Empty(await dovecot.MessageIdsAsync("INBOX", withDeleted: true));
        Assert.Equal(BounceMailboxState.Connected, status.State);
        Assert.Equal("healthy", (await gateway.Client.GetFromJsonAsync<HealthApi.Health>("/healthz"))!.Checks["bounce-mailbox"].Status);
    }

    [Fact]
    public async Task Worker_ServerWithoutIdle_LooksAgainEveryPollInterval()
    {
        await using var dovecot = await TestDovecot.StartNewAsync(capabilities: "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE NAMESPACE CHILDREN UIDPLUS MOVE");
        var handler = new ScriptedBounceHandler();
        var clock = new WatchedClock();
        var poll = TimeSpan.FromSeconds(17);
        await using var gateway = await StartGatewayAsync(dovecot, handler, new() { ["Bounces:Imap:PollInterval"] = poll.ToString() }, clock: clock);
        await clock.WaitForTimerAsync(poll, 0);

        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("sondé"));
        Assert.Equal("polling", gateway.Services.GetRequiredService<BounceMailboxHealth>().Current.Waiting);
        clock.Advance(poll);
        await WaitForAsync(gateway, s => s.Handled == 1);

        Assert.Equal(["sondé@bounces.test"], handler.Calls);
        Assert.Equal(["sondé@bounces.test"], await dovecot.MessageIdsAsync("Traitements"));
    }

    [Fact]
    public async Task Worker_ServerWithoutMove_CopiesThenExpungesOnlyThatMessage()
    {
        await using var dovecot = await TestDovecot.StartNewAsync(capabilities: "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE CHILDREN UIDPLUS");
        // A message someone else flagged \Deleted (and did not expunge) must survive the reader's expunges.
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("a-garder"));
        await FlagDeletedAsync(dovecot, "a-garder@bounces.test");
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("un"), ScriptedBounceHandler.Mail("deux", "Rapport à vérifier"));
        var handler = new ScriptedBounceHandler();

        await using var gateway = await StartGatewayAsync(dovecot, handler);
        await WaitForAsync(gateway, s => s.Handled == 2);

        Assert.Equal(["un@bounces.test", "deux@bounces.test"], handler.Calls);
        Assert.Equal(["un@bounces.test"], await dovecot.MessageIdsAsync("Traitements"));
        Assert.Equal(["deux@bounces.test"], await dovecot.MessageIdsAsync("A-verifier"));
        Assert.Equal(["a-garder@bounces.test"], await dovecot.MessageIdsAsync("INBOX", withDeleted: true));
    }

    [Fact]
    public async Task Worker_ServerWithoutMoveNorUidPlus_LeavesTheFiledCopyFlaggedAndNeverHandlesItAgain()
    {
        await using var dovecot = await TestDovecot.StartNewAsync(capabilities: "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE CHILDREN");
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("un"));
        var handler = new ScriptedBounceHandler();
        await using var gateway = await StartGatewayAsync(dovecot, handler);
        await WaitForAsync(gateway, s => s.Handled == 1 && s.Waiting == "idle");

        // A second arrival makes the reader search the folder again, with the first one still in it.
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("deux"));
        await WaitForAsync(gateway, s => s.Handled == 2 && s.Waiting == "idle");

        Assert.Equal(["un@bounces.test", "deux@bounces.test"], handler.Calls);
        Assert.Equal(["un@bounces.test", "deux@bounces.test"], await dovecot.MessageIdsAsync("Traitements"));
        Assert.Equal(["un@bounces.test", "deux@bounces.test"], await dovecot.MessageIdsAsync("INBOX", withDeleted: true));
        Assert.Empty(await dovecot.MessageIdsAsync("INBOX"));
    }

    [Fact]
    public async Task Worker_TwoGatewaysOnOnePostgreSql_OnlyOneReadsAndTheOtherTakesOverWhenItStops()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        var (connectionString, dropAsync) = await TestPostgres.CreateDatabaseAsync();
        try
        {
            var first = new ScriptedBounceHandler();
            var second = new ScriptedBounceHandler();
            var secondClock = new WatchedClock();
            var a = await Gateway.CreateAsync(start: true, settings: dovecot.GatewaySettings(), postgresConnectionString: connectionString,
                services: s => s.AddSingleton<IBounceMailHandler>(first));
            await using var b = await Gateway.CreateAsync(start: true, settings: dovecot.GatewaySettings(), postgresConnectionString: connectionString,
                clock: secondClock, services: s => s.AddSingleton<IBounceMailHandler>(second));
            try
            {
                await WaitForAsync(a, s => s.Waiting == "idle");
                await WaitForAsync(b, s => s.State == BounceMailboxState.StandingBy);
                await secondClock.WaitForTimerAsync(BounceMailboxWorker.LeadCheckInterval, 0); // its next try at the lead
                await dovecot.AppendAsync(ScriptedBounceHandler.Mail("pour-a"));
                await WaitForAsync(a, s => s.Handled == 1);
            }
            finally
            {
                await a.DisposeAsync();
            }
            await dovecot.AppendAsync(ScriptedBounceHandler.Mail("pour-b"));
            secondClock.Advance(BounceMailboxWorker.LeadCheckInterval);
            await WaitForAsync(b, s => s.Handled == 1);

            Assert.Equal(["pour-a@bounces.test"], first.Calls);
            Assert.Equal(["pour-b@bounces.test"], second.Calls);
            Assert.Equal(["pour-a@bounces.test", "pour-b@bounces.test"], await dovecot.MessageIdsAsync("Traitements"));
        }
        finally
        {
            await dropAsync();
        }
    }

    private static async Task FlagDeletedAsync(TestDovecot dovecot, string messageId)
    {
        using var client = await dovecot.ConnectAsync();
        await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadWrite);
        var uids = await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.HeaderContains("Message-ID", messageId));
        await client.Inbox.AddFlagsAsync(uids, MailKit.MessageFlags.Deleted, silent: true);
        await client.DisconnectAsync(true);
    }
}
