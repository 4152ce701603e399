using EnContact.Syndication.Members;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Desk;

public sealed record MembersPageModel : DeskPageModel
{
    public required MemberCounts Counts { get; init; }
    public required IReadOnlyList<SharedFeed> Shared { get; init; }
    public required int Threshold { get; init; }
    public required TimeSpan Window { get; init; }
    public required TimeZoneInfo Zone { get; init; }
}

/// <summary>
/// Paying members, for administrators: how many are active, expired, revoked, and the members whose
/// private feed address was polled from more client addresses than <c>Members:SharingThreshold</c>
/// within the window — a sign that the address was passed around.
/// </summary>
public static class MembersPage
{
    public static async Task<IResult> ShowAsync(HttpContext http, DeskPageKit kit, MemberStore store, IOptions<MembersOptions> options, TimeProvider time,
        [Microsoft.AspNetCore.Mvc.FromServices] MagazineTime magazineTime, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;
        return await kit.RenderAsync(http, "Members", new MembersPageModel
        {
            Title = "Membres", Menu = "membres",
            Counts = await store.CountsAsync(now, cancellationToken),
            Shared = await store.SharedFeedsAsync(now - settings.SharingWindow, settings.SharingThreshold, cancellationToken),
            Threshold = settings.SharingThreshold, Window = settings.SharingWindow, Zone = magazineTime.Zone,
        });
    }
}
