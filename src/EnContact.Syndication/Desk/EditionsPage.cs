using System.Text.Json;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Desk;

/// <summary>An edition's delivery as the editions page shows it, and as its live stream sends it (the same words both ways).</summary>
public sealed record DeliveryView(string Campaign, string StateText, long Sent, long Failed, long Pending, long Sending, string Rate, string Eta, string Classes, int Percent, bool CanPause, bool CanResume, bool CanCancel)
{
    /// <summary>"dont 2 rebonds après envoi": of the failures, the messages the relay had accepted that bounced back (empty when none).</summary>
    public string Bounced { get; init; } = "";

    public static DeliveryView Of(CampaignProgress p, TimeZoneInfo zone)
    {
        var settled = p.Sent + p.Failed + p.Suppressed + p.Cancelled;
        return new DeliveryView(p.Campaign, DeskText.Phase(p.State), p.Sent, p.Failed, p.Pending, p.Sending,
            p.MessagesPerSecond > 0 ? $"{p.MessagesPerSecond.ToString("0.#", DeskText.French)} msg/s" : "—",
            p.EstimatedFinish is { } finish ? TimeZoneInfo.ConvertTime(finish, zone).ToString("HH:mm", DeskText.French) : "—",
            DeskText.Classes(p.FailedByClass), p.Total == 0 ? 100 : (int)(100 * settled / p.Total),
            p.State == CampaignPhase.Sending, p.State == CampaignPhase.Paused, p.State is CampaignPhase.Sending or CampaignPhase.Paused)
        {
            Bounced = p.Bounced > 0 ? $"dont {DeskText.Number(p.Bounced)} rebond{(p.Bounced > 1 ? "s" : "")} après envoi" : "",
        };
    }
}

public sealed record EditionRow(EditionSummary Edition, DeliveryView? Delivery);

public sealed record EditionsPageModel : DeskPageModel
{
    public required IReadOnlyList<EditionRow> Rows { get; init; }
    public required IReadOnlyList<DateTimeOffset> Upcoming { get; init; }
    public required TimeZoneInfo Zone { get; init; }
}

/// <summary>
/// Every edition with its status and counts; while one is being sent, its progress and estimated
/// finish come live over server-sent events; pause, resume and cancel go through <see cref="CampaignControl"/>.
/// </summary>
public static class EditionsPage
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<IResult> ShowAsync(HttpContext http, DeskPageKit kit, DigestStore store, CampaignControl control, DigestSchedule schedule, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var progress = (await control.ProgressAsync(null, cancellationToken)).ToDictionary(p => p.Campaign, StringComparer.Ordinal);
        var rows = (await store.ListAsync(cancellationToken))
            .Select(e => new EditionRow(e, progress.TryGetValue(e.Campaign, out var p) ? DeliveryView.Of(p, schedule.Zone) : null)).ToList();
        return await kit.RenderAsync(http, "Editions", new EditionsPageModel
        {
            Title = "Éditions", Menu = "editions", Rows = rows, Upcoming = schedule.Upcoming(time.GetUtcNow(), 3), Zone = schedule.Zone,
        });
    }

    /// <summary>
    /// <c>text/event-stream</c>: a <c>progress</c> event with every edition's delivery whenever the outbox
    /// moves (at most one per <see cref="DeskOptions.ProgressInterval"/>), a comment every 15 seconds
    /// to keep proxies from closing a quiet stream; it ends when the page is left or the gateway stops.
    /// </summary>
    public static async Task StreamAsync(HttpContext http, CampaignControl control, OutboxStore outbox, DigestSchedule schedule, IOptions<DeskOptions> options,
        TimeProvider time, IHostApplicationLifetime lifetime)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var token = stop.Token;
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // nginx would hold the events back otherwise
        string? last = null;
        try
        {
            await http.Response.WriteAsync("retry: 5000\n\n", token);
            await http.Response.Body.FlushAsync(token);
            while (!token.IsCancellationRequested)
            {
                var seen = outbox.Changes.Version;
                var views = (await control.ProgressAsync(null, token)).Where(p => DigestCampaign.KeyOf(p.Campaign) is not null)
                    .Select(p => DeliveryView.Of(p, schedule.Zone)).ToList();
                var data = JsonSerializer.Serialize(views, Json);
                if (data != last)
                {
                    await http.Response.WriteAsync($"event: progress\ndata: {data}\n\n", token);
                    await http.Response.Body.FlushAsync(token);
                    last = data;
                }
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(token);
                var changed = outbox.Changes.WaitForChangeAsync(seen, wake.Token);
                var quiet = Task.Delay(TimeSpan.FromSeconds(15), time, wake.Token);
                if (await Task.WhenAny(changed, quiet) == quiet && !token.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": still here\n\n", token);
                    await http.Response.Body.FlushAsync(token);
                }
                await wake.CancelAsync();
                await Task.Delay(options.Value.ProgressInterval, time, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The page was left or the gateway stops: the stream simply ends.
        }
    }

    public static Task<IResult> PauseAsync(string key, CampaignControl control, CancellationToken cancellationToken) =>
        SteerAsync(key, CampaignState.Paused, "paused at the desk", "en-pause", control, cancellationToken);

    public static Task<IResult> ResumeAsync(string key, CampaignControl control, CancellationToken cancellationToken) =>
        SteerAsync(key, CampaignState.Active, null, "repris", control, cancellationToken);

    public static Task<IResult> CancelAsync(string key, CampaignControl control, CancellationToken cancellationToken) =>
        SteerAsync(key, CampaignState.Cancelled, "cancelled at the desk", "annule", control, cancellationToken);

    private static async Task<IResult> SteerAsync(string key, CampaignState state, string? reason, string notice, CampaignControl control, CancellationToken cancellationToken)
    {
        var campaign = DigestCampaign.Of(key);
        if ((await control.ProgressAsync(campaign, cancellationToken)).Count == 0)
            return TypedResults.NotFound();
        await control.SetStateAsync(campaign, state, reason, cancellationToken);
        return DeskPageKit.Done(DeskRoutes.Editions, notice);
    }
}
