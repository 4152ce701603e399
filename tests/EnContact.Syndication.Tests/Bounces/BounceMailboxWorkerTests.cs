using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Net.Http.Json;
using EnContact.Syndication.Bounces;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Bounces;

/// <summary>The bounce mailbox's reader against a real Dovecot, inside the real gateway.</summary>
[Trait("Speed", "Slow")]
public sealed partial class BounceMailboxWorkerTests
{
    private const string Processed = "Traitements";
    private const string Review = "A-verifier";

    [Fact]
    public async Task Worker_MessagesAlreadyInTheFolder_AreHandledOldestFirstAndFiledByVerdict()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        await dovecot.AppendAsync(
            ScriptedBounceHandler.Mail("un"),
            ScriptedBounceHandler.Mail("deux", "Rapport à vérifier"),
            ScriptedBounceHandler.Mail("trois"));
        var handler = new ScriptedBounceHandler();

        await using var gateway = await StartGatewayAsync(dovecot, handler);
        var status = await WaitForAsync(gateway, s => s.Handled == 3);

        Assert.Equal(["un@bounces.test", "deux@bounces.test", "trois@bounces.test"], handler.Calls);
        Assert.Equal(1, status.MovedToReview);
        Assert.Equal(["un@bounces.test", "trois@bounces.test"], await dovecot.MessageIdsAsync(Processed));
        Assert.Equal(["deux@bounces.test"], await dovecot.MessageIdsAsync(Review));
        Assert.Empty(await dovecot.MessageIdsAsync("INBOX", withDeleted: true));
    }

    [Fact]
    public async Task Worker_MessagesAlreadyInTheFolder_AreMovedWithOneCommandPerDestinationNotOnePerMessage()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        await dovecot.AppendAsync(
            ScriptedBounceHandler.Mail("un"),
            ScriptedBounceHandler.Mail("deux", "Rapport à vérifier"),
            ScriptedBounceHandler.Mail("trois"),
            ScriptedBounceHandler.Mail("quatre"),
            ScriptedBounceHandler.Mail("cinq", "Autre rapport à vérifier"));
        await using var counter = new ImapCommandCounter(dovecot.Host, dovecot.Port);
        var handler = new ScriptedBounceHandler();

        await using var gateway = await StartGatewayAsync(dovecot, handler, new() { ["Bounces:Imap:Port"] = counter.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await WaitForAsync(gateway, s => s.Handled == 5);

        // A server may rescan the whole folder after each move: one per destination, whatever the number of messages.
        Assert.Equal(2, counter.Commands.Count(c => c == "UID MOVE"));
        Assert.Equal(["un@bounces.test", "trois@bounces.test", "quatre@bounces.test"], await dovecot.MessageIdsAsync(Processed));
        Assert.Equal(["deux@bounces.test", "cinq@bounces.test"], await dovecot.MessageIdsAsync(Review));
        Assert.Empty(await dovecot.MessageIdsAsync("INBOX", withDeleted: true));
    }

    [Fact]
    public async Task Worker_MessageArrivesWhileIdle_IsHandledWithoutWaitingForAPoll()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        var handler = new ScriptedBounceHandler();
        await using var gateway = await StartGatewayAsync(dovecot, handler);
        await WaitForAsync(gateway, s => s.Waiting == "idle");

        // The fake clock never moves: only the server's word can wake the reader.
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("nouveau"));
        await WaitForAsync(gateway, s => s.Handled == 1);

        Assert.Equal(["nouveau@bounces.test"], handler.Calls);
        Assert.Equal(["nouveau@bounces.test"], await dovecot.MessageIdsAsync(Processed));
    }

    [Fact]
    public async Task Worker_HandlerThrows_MovesTheMessageForReviewAndGoesOn()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("plante", "Ce message plante"), ScriptedBounceHandler.Mail("suivant"));
        var handler = new ScriptedBounceHandler();
        var logs = new LogCapture();

        await using var gateway = await StartGatewayAsync(dovecot, handler, logs: logs);
        await WaitForAsync(gateway, s => s.Handled == 2);

        Assert.Equal(["plante@bounces.test"], await dovecot.MessageIdsAsync(Review));
        Assert.Equal(["suivant@bounces.test"], await dovecot.MessageIdsAsync(Processed));
        Assert.Contains(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("the handler failed on message") && l.Contains("le gestionnaire a échoué"));
        Assert.Equal(BounceMailboxState.Connected, gateway.Services.GetRequiredService<BounceMailboxHealth>().Current.State);
    }

    [Fact]
    public async Task Worker_MessageBiggerThanTheLimit_GoesForReviewWithoutItsBodyBeingFetched()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("enorme", bodyBytes: 20_000), ScriptedBounceHandler.Mail("petit"));
        var handler = new ScriptedBounceHandler();

        await using (var gateway = await StartGatewayAsync(dovecot, handler, new() { ["Bounces:Imap:MaxMessageBytes"] = "4096" }))
            await WaitForAsync(gateway, s => s.Handled == 2);

        Assert.Equal(["petit@bounces.test"], handler.Calls);
        Assert.Equal(["enorme@bounces.test"], await dovecot.MessageIdsAsync(Review));
        // Dovecot logs what each session fetched of message bodies: once every session is over, the
        // only body fetched in all of them is the small message's.
        var log = await dovecot.WaitForLogAsync(lines => lines.Count(l => l.Contains("Login: ", StringComparison.Ordinal)) == lines.Count(l => l.Contains("Disconnected: ", StringComparison.Ordinal)));
        var bodies = log.Where(l => l.Contains("Disconnected: ", StringComparison.Ordinal)).Sum(l => int.Parse(BodyCount().Match(l).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, bodies);
    }

    [Fact]
    public async Task Worker_WrongPassword_IsDegradedWithAClearMessageAndTheGatewayRuns()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("attend"));
        var handler = new ScriptedBounceHandler();

        await using var gateway = await StartGatewayAsync(dovecot, handler, dovecot.GatewaySettings(password: "pas-le-bon"));
        await WaitForAsync(gateway, s => s.State == BounceMailboxState.Unreachable);
        var health = await gateway.Client.GetFromJsonAsync<HealthApi.Health>("/healthz");

        Assert.Equal("degraded", health!.Status);
        Assert.Equal("degraded", health.Checks["bounce-mailbox"].Status);
        Assert.Contains("the server refused the login: check Bounces:Imap:User and the password", health.Checks["bounce-mailbox"].Description);
        Assert.DoesNotContain(TestDovecot.User, health.Checks["bounce-mailbox"].Description);
        Assert.Empty(handler.Calls);
        Assert.Equal(["attend@bounces.test"], await dovecot.MessageIdsAsync("INBOX"));
    }

    [Fact]
    public async Task Worker_NoHandlerRegistered_DoesNotReadAndSaysWhyOnce()
    {
        await using var dovecot = await TestDovecot.StartNewAsync();
        await dovecot.AppendAsync(ScriptedBounceHandler.Mail("personne"));
        var logs = new LogCapture();

        // The gateway registers its bounce handler; a composition without one must not read the mailbox.
        await using var gateway = await Gateway.CreateAsync(start: true, settings: dovecot.GatewaySettings(), logs: logs,
            services: s => s.RemoveAll<IBounceMailHandler>());
        await WaitForAsync(gateway, s => s.State == BounceMailboxState.NoHandler);

        Assert.Single(logs.Lines, l => l.Contains("nothing in this gateway understands bounce mail", StringComparison.Ordinal));
        Assert.Equal(["personne@bounces.test"], await dovecot.MessageIdsAsync("INBOX"));
    }

    [Fact]
    public async Task Worker_NoHostSet_ReportsHealthyAndReadsNothing()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, services: s => s.AddSingleton<IBounceMailHandler>(new ScriptedBounceHandler()));

        var health = await gateway.Client.GetFromJsonAsync<HealthApi.Health>("/healthz");

        Assert.Equal("healthy", health!.Checks["bounce-mailbox"].Status);
        Assert.Equal(BounceMailboxState.Off, gateway.Services.GetRequiredService<BounceMailboxHealth>().Current.State);
    }

    internal static Task<Gateway> StartGatewayAsync(
        TestDovecot dovecot, IBounceMailHandler handler, Dictionary<string, string?>? settings = null, LogCapture? logs = null, WatchedClock? clock = null)
    {
        var all = dovecot.GatewaySettings();
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        return Gateway.CreateAsync(start: true, settings: all, logs: logs, clock: clock, services: s => s.AddSingleton(handler));
    }

    /// <summary>Waits on the reader's change signal (30 s at most) until its status satisfies <paramref name="done"/>.</summary>
    internal static async Task<BounceMailboxStatus> WaitForAsync(Gateway gateway, Func<BounceMailboxStatus, bool> done)
    {
        var health = gateway.Services.GetRequiredService<BounceMailboxHealth>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var seen = health.Changes.Version;
            var status = health.Current;
            if (done(status))
                return status;
            try
            {
                await health.Changes.WaitForChangeAsync(seen, limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"the bounce mailbox reader never got there; its status: {status}");
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"body_count=(\d+)")]
    private static partial System.Text.RegularExpressions.Regex BodyCount();
}
