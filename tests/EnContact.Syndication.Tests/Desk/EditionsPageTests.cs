using System.Net;
using System.Text.Json.Nodes;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using static EnContact.Syndication.Tests.Desk.DeskFixture;
using static EnContact.Syndication.Tests.Desk.NextEditionPageTests;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>The editions page: statuses and counts, and the live progress stream of an edition being sent.</summary>
[Trait("Speed", "Slow")]
public sealed class EditionsPageTests
{
    [Fact]
    public async Task Stream_EditionBeingSent_EmitsItsProgressUntilEveryMessageIsSent()
    {
        var (gateway, server) = await WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        using var browser = await SignedInAsync(gateway);
        // Held back before it is approved, so the stream first sees it waiting, then moving.
        await gateway.Services.GetRequiredService<CampaignControl>().SetStateAsync(DigestCampaign.Of(Key), CampaignState.Paused, "test", CancellationToken.None);
        await browser.GetAsync("/admin");
        await browser.SubmitAsync($"/admin/lettre/{Key}/approuver");

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = await browser.OpenAsync("/admin/editions/progres", limit.Token);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(limit.Token));

        var paused = await NextProgressAsync(reader, limit.Token);
        Assert.Equal(("en pause", 0L, 2L), ((string)paused["stateText"]!, (long)paused["sent"]!, (long)paused["pending"]!));

        var editions = await browser.GetAsync("/admin/editions");
        Assert.Equal("/admin/editions/progres", editions.Document.QuerySelector("[data-progress-stream]")!.GetAttribute("data-progress-stream"));
        await browser.SubmitAsync($"/admin/editions/{Key}/reprendre");

        JsonObject progress;
        do
            progress = await NextProgressAsync(reader, limit.Token);
        while ((string)progress["stateText"]! != "terminé");
        Assert.Equal((2L, 0L, 100), ((long)progress["sent"]!, (long)progress["failed"]!, (int)progress["percent"]!));
    }

    [Fact]
    public async Task Cancel_EditionBeingSent_DropsWhatIsQueued()
    {
        var (gateway, server) = await WaitingEditionAsync();
        await using var _ = server;
        await using var __ = gateway;
        using var browser = await SignedInAsync(gateway);
        await gateway.Services.GetRequiredService<CampaignControl>().SetStateAsync(DigestCampaign.Of(Key), CampaignState.Paused, "test", CancellationToken.None);
        await browser.GetAsync("/admin");
        await browser.SubmitAsync($"/admin/lettre/{Key}/approuver");

        var editions = await browser.GetAsync("/admin/editions");
        Assert.Equal("en pause", editions.Document.QuerySelector($"tr[data-campaign='digest-{Key}'] [data-field=state]")!.TextContent);
        var cancelled = await browser.SubmitAsync($"/admin/editions/{Key}/annuler");

        Assert.Equal("Envoi annulé : les messages en attente ne partiront pas.", Notice(cancelled));
        var progress = (await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(DigestCampaign.Of(Key), CancellationToken.None)).Single();
        Assert.Equal((CampaignPhase.Cancelled, 2L, 0L), (progress.State, progress.Cancelled, progress.Pending));
    }

    /// <summary>The data of the stream's next <c>progress</c> event, for the edition of <see cref="NextEditionPageTests.Key"/>.</summary>
    private static async Task<JsonObject> NextProgressAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? line;
        var isProgress = false;
        while ((line = await reader.ReadLineAsync(cancellationToken)) is not null)
        {
            if (line == "event: progress")
                isProgress = true;
            else if (isProgress && line.StartsWith("data: ", StringComparison.Ordinal))
                return (JsonObject)JsonNode.Parse(line["data: ".Length..])!.AsArray().Single(p => (string)p!["campaign"]! == DigestCampaign.Of(Key))!;
        }
        throw new Xunit.Sdk.XunitException("the stream ended");
    }
}
