using EnContact.Syndication.Delivery;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>Delivery's instruments, read with a MeterListener on the gateway's own meters while real mail goes to a real SMTP server.</summary>
[Trait("Speed", "Slow")]
public sealed class DeliveryMetricsTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Messages_RelayRefusals_CountedByFailureClassOfTheirEnhancedCode()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        server.RejectRecipient("lecteur2@exemple.fr", 550, reply: "5.1.1 no such user");
        server.RejectRecipient("lecteur3@exemple.fr", 552, reply: "5.2.2 mailbox full");
        server.RejectRecipient("lecteur4@exemple.fr", 550, reply: "5.7.1 rejected by policy");
        await using var gateway = await Gateway.CreateAsync(start: true, settings: DeliveryWorkerTests.Relay(server));
        using var recorder = new MeasurementRecorder(gateway);

        await DeliveryWorkerTests.Outbox(gateway).EnqueueAsync(DeliveryWorkerTests.Body, DeliveryWorkerTests.Subscribers(4), None);
        await DeliveryWorkerTests.WaitUntilSettledAsync(gateway, "digest-2026-48");

        var settled = recorder.Measurements.Where(m => m.Instrument == "encontact.delivery.messages")
            .Select(m => (Result: m.Tags["result"], Kind: m.Tags["kind"], Class: m.Tags["failure_class"], m.Value))
            .OrderBy(m => m.Class, StringComparer.Ordinal).ToList();
        Assert.Equal(
            [("failed", "bulk", "mailbox", 1.0), ("failed", "bulk", "mailbox-full", 1.0), ("sent", "bulk", "none", 1.0), ("failed", "bulk", "policy", 1.0)],
            settled);
        Assert.Equal(4, recorder.Measurements.Count(m => m.Instrument == "encontact.delivery.smtp.duration"));
    }

    [Fact]
    public async Task OutboxDepth_ReadOncePerInterval_CountsOnlyUnsettledMessages()
    {
        await using var gateway = await Gateway.CreateAsync(); // not started: nothing sends, the rows stay pending
        using var recorder = new MeasurementRecorder(gateway);
        var outbox = DeliveryWorkerTests.Outbox(gateway);
        _ = gateway.Services.GetRequiredService<DeliveryMetrics>(); // delivery's gauges exist once its instruments are made
        await outbox.EnqueueAsync(DeliveryWorkerTests.Body, DeliveryWorkerTests.Subscribers(3), None);

        var first = Depth(recorder.Observe());
        await outbox.EnqueueAsync(DeliveryWorkerTests.Body, DeliveryWorkerTests.Subscribers(2, "digest-2026-49"), None);
        var cached = Depth(recorder.Observe());
        gateway.Clock!.Advance(DeliveryMetrics.DepthMaxAge);
        var fresh = Depth(recorder.Observe());

        Assert.Equal((3, 0), first);
        Assert.Equal((3, 0), cached); // scrapes within the interval share one count
        Assert.Equal((5, 0), fresh);
    }

    [Fact]
    public async Task EditionProgress_WhileSending_ReportedPerCampaign_GoneWhenDone()
    {
        await using var gateway = await Gateway.CreateAsync();
        using var recorder = new MeasurementRecorder(gateway);
        var metrics = gateway.Services.GetRequiredService<DeliveryMetrics>();

        metrics.EditionProgress(Progress("digest-2026-48", CampaignPhase.Sending, sent: 40, total: 100));
        var sending = recorder.Observe().Where(m => m.Instrument.StartsWith("encontact.delivery.edition.", StringComparison.Ordinal))
            .Select(m => (m.Instrument, Campaign: m.Tags["campaign"], m.Value)).OrderBy(m => m.Instrument, StringComparer.Ordinal).ToList();
        metrics.EditionProgress(Progress("digest-2026-48", CampaignPhase.Done, sent: 100, total: 100));
        var done = recorder.Observe().Where(m => m.Instrument.StartsWith("encontact.delivery.edition.", StringComparison.Ordinal)).ToList();

        Assert.Equal([("encontact.delivery.edition.sent", "digest-2026-48", 40.0), ("encontact.delivery.edition.total", "digest-2026-48", 100.0)], sending);
        Assert.Empty(done);
    }

    private static (double Pending, double Sending) Depth(IReadOnlyList<RecordedMeasurement> observed)
    {
        var depth = observed.Where(m => m.Instrument == "encontact.delivery.outbox.messages").ToList();
        return (depth.Single(m => m.Tags["status"] == "pending").Value, depth.Single(m => m.Tags["status"] == "sending").Value);
    }

    private static CampaignProgress Progress(string campaign, CampaignPhase state, long sent, long total) =>
        new(campaign, state, null, total, total - sent, 0, sent, 0, 0, 0, 0, null);
}
