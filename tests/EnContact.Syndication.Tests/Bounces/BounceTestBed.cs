using EnContact.Syndication.Bounces;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using MimeKit;

namespace EnContact.Syndication.Tests.Bounces;

/// <summary>
/// A running gateway with a return path, three active readers and a real SMTP server: editions are
/// really sent (real outbox rows, real envelopes), then a report written from a fixture — with the
/// envelope, Message-ID and address of one of those messages filled in — is handed to the handler.
/// </summary>
public sealed class BounceTestBed : IAsyncDisposable
{
    public const string ReturnPathAddress = "rebonds@lettre.en-contact.com";
    public const string UnsubscribeMailbox = "desabonnement@lettre.en-contact.com";
    public static readonly string[] Readers = ["marie@exemple.fr", "paul@exemple.fr", "lea@exemple.fr"];

    private static readonly MessageBody Body = new("La lettre d’En-Contact", "Bonjour,\n{{unsubscribe_url}}", "<p>Bonjour, <a href=\"{{unsubscribe_url}}\">désinscription</a></p>");

    private BounceTestBed(TestSmtpServer server, Gateway gateway) => (Server, Gateway) = (server, gateway);

    public TestSmtpServer Server { get; }
    public Gateway Gateway { get; }
    public IBounceMailHandler Handler => Gateway.Services.GetRequiredService<IBounceMailHandler>();
    public SuppressionList Suppressions => Gateway.Services.GetRequiredService<SuppressionList>();
    public SubscriberStore Subscribers => Gateway.Services.GetRequiredService<SubscriberStore>();
    public OutboxStore Outbox => Gateway.Services.GetRequiredService<OutboxStore>();

    public static async Task<BounceTestBed> StartAsync(StorageProvider storage = StorageProvider.Sqlite, Dictionary<string, string?>? extra = null,
        Action<IServiceCollection>? services = null)
    {
        var server = await TestSmtpServer.StartNewAsync();
        var settings = server.GatewaySettings(retryAttempts: 0);
        settings["Delivery:ReturnPath"] = ReturnPathAddress;
        settings["Delivery:ReturnPathSecret"] = "test-return-path-secret-0123456789abcdef";
        settings["Delivery:UnsubscribeMailbox"] = UnsubscribeMailbox;
        foreach (var (key, value) in extra ?? [])
            settings[key] = value;
        var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: settings, storage: storage, services: services);
        var store = gateway.Services.GetRequiredService<SubscriberStore>();
        await store.ImportAsync([.. Readers.Select((address, i) => new ImportRow(i + 1, address, null, Gateway.DefaultNow, "test", null))], dryRun: false, null, CancellationToken.None);
        return new BounceTestBed(server, gateway);
    }

    /// <summary>Sends an edition to every reader who may be mailed, through the gateway's delivery, and waits until it settled.</summary>
    public async Task<CampaignProgress> SendEditionAsync(string campaign)
    {
        var recipients = await Subscribers.MailableAsync(CancellationToken.None);
        var requests = Gateway.Services.GetRequiredService<DigestQueue>().RequestsFor(campaign, recipients);
        await Outbox.EnqueueAsync(Body, requests, CancellationToken.None);
        return await Gateway.WaitForCampaignAsync(campaign, p => p.Pending + p.Sending == 0 && p.Total > 0);
    }

    /// <summary>The message of <paramref name="campaign"/> the SMTP server received for <paramref name="reader"/>, with its envelope.</summary>
    public ReceivedMessage Received(string campaign, string reader) =>
        Server.Messages.Single(m => m.To.Single() == reader && m.Message.MessageId == MessageIdOf(campaign, reader));

    public static string MessageIdOf(string campaign, string reader) => OutboxStore.MessageIdOf(OutboxStore.KeyOf(campaign, reader), "en-contact.com");

    /// <summary>A fixture with the envelope, Message-ID and address of the message sent to <paramref name="reader"/> in <paramref name="campaign"/>.</summary>
    public MimeMessage Report(string fixture, string campaign, string reader, string? envelope = null)
    {
        var received = Received(campaign, reader);
        var unsubscribe = received.Message.Headers["List-Unsubscribe"]?.Split(',').Select(t => t.Trim(' ', '<', '>'))
            .FirstOrDefault(t => t.StartsWith("mailto:", StringComparison.Ordinal))?["mailto:".Length..].Split('?')[0];
        return Fixture(fixture, envelope ?? received.From, received.Message.MessageId!, reader, unsubscribe ?? UnsubscribeMailbox);
    }

    public static MimeMessage Fixture(string name, string envelope, string messageId, string recipient, string unsubscribe = UnsubscribeMailbox)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Bounces", "Fixtures", name))
            .Replace("{{ENVELOPE}}", envelope).Replace("{{MESSAGE_ID}}", messageId).Replace("{{RECIPIENT}}", recipient).Replace("{{UNSUBSCRIBE}}", unsubscribe);
        return MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"))));
    }

    public async Task<(OutboxStatus Status, string? LastError)> RowAsync(string campaign, string reader)
    {
        var row = await Outbox.GetAsync(OutboxStore.KeyOf(campaign, reader), CancellationToken.None) ?? throw new Xunit.Sdk.XunitException($"no row for {reader}");
        return (row.Status, row.LastError);
    }

    public Task<IReadOnlyList<BounceEvent>> EventsAsync(string reader) =>
        Gateway.Services.GetRequiredService<BounceStore>().HistoryAsync(reader, 50, CancellationToken.None);

    /// <summary>The readers other than <paramref name="reader"/>: still active, not suppressed, their messages still sent.</summary>
    public async Task AssertOthersUntouchedAsync(string reader, params string[] campaigns)
    {
        foreach (var other in Readers.Where(r => r != reader))
        {
            Assert.False(await Suppressions.IsSuppressedAsync(other, CancellationToken.None), other);
            Assert.Equal(SubscriberStatus.Active, (await Subscribers.FindAsync(other, CancellationToken.None))!.Status);
            foreach (var campaign in campaigns)
                Assert.Equal(OutboxStatus.Sent, (await RowAsync(campaign, other)).Status);
            Assert.Empty(await EventsAsync(other));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Server.DisposeAsync();
    }
}
