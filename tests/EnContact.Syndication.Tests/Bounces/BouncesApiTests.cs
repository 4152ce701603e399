using System.Net;
using System.Text.Json;

namespace EnContact.Syndication.Tests.Bounces;

/// <summary>What came back about one subscriber, over the admin API: the reports the handler applied, and the suppression they led to.</summary>
[Trait("Speed", "Slow")]
public sealed class BouncesApiTests
{
    private const string Edition = "digest-2026-11-30-0800";

    [Fact]
    public async Task SubscriberBounces_AfterAHardBounce_ListsTheReportAndTheSuppressionBehindTheToken()
    {
        await using var bed = await BounceTestBed.StartAsync();
        var (bounced, quiet) = (BounceTestBed.Readers[0], BounceTestBed.Readers[2]);
        await bed.SendEditionAsync(Edition);
        Assert.True((await bed.Handler.HandleAsync(bed.Report("postfix-dsn.eml", Edition, bounced), CancellationToken.None)).Understood);
        var id = (await bed.Subscribers.FindAsync(bounced, CancellationToken.None))!.Id;
        var quietId = (await bed.Subscribers.FindAsync(quiet, CancellationToken.None))!.Id;

        var history = JsonDocument.Parse(await bed.Gateway.Client.GetStringAsync($"/api/subscribers/{id}/bounces")).RootElement;
        var nothing = JsonDocument.Parse(await bed.Gateway.Client.GetStringAsync($"/api/subscribers/{quietId}/bounces")).RootElement;

        Assert.Equal(id, history.GetProperty("subscriberId").GetString());
        Assert.StartsWith("hard bounce (delivery report): 5.1.1", history.GetProperty("suppression").GetString());
        var report = Assert.Single(history.GetProperty("items").EnumerateArray());
        Assert.Equal(("dsn", "5.1.1", "mailbox", Edition), (report.GetProperty("kind").GetString(), report.GetProperty("statusCode").GetString(),
            report.GetProperty("failureClass").GetString(), report.GetProperty("campaign").GetString()));
        Assert.Contains("Recipient address rejected", report.GetProperty("diagnostic").GetString());
        Assert.DoesNotContain(bounced, history.GetProperty("items").GetRawText()); // the record keeps no address
        Assert.Equal(JsonValueKind.Null, nothing.GetProperty("suppression").ValueKind);
        Assert.Empty(nothing.GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await bed.Gateway.Client.GetAsync("/api/subscribers/0123456789abcdef0123456789abcdef/bounces")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bed.Gateway.NewClient(null).GetAsync($"/api/subscribers/{id}/bounces")).StatusCode);
    }
}
