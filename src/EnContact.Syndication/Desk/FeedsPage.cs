using EnContact.Syndication.Feeds;

namespace EnContact.Syndication.Desk;

public sealed record FeedRow(string Path, string Url, string Format, DateTimeOffset LastModified, int Bytes, int? GzipBytes, long Requests, long NotModified, bool IsArchive)
{
    public string Ratio => Requests == 0 ? "—" : $"{(100.0 * NotModified / Requests).ToString("0", DeskText.French)} %";
}

public sealed record FeedsPageModel : DeskPageModel
{
    public required IReadOnlyList<FeedRow> Feeds { get; init; }
    public required TimeZoneInfo Zone { get; init; }
    public bool IsBuilt { get; init; }
}

/// <summary>Every feed served: its URL, when its content last changed, its size, and how often readers ask for it (and get a 304) since this process started.</summary>
public static class FeedsPage
{
    public static Task<IResult> ShowAsync(HttpContext http, DeskPageKit kit, FeedCache cache, FeedRequestCounter counter, [Microsoft.AspNetCore.Mvc.FromServices] MagazineTime magazineTime)
    {
        var snapshot = cache.Current;
        var documents = snapshot.Documents.Values.Concat(snapshot.Letters is { } letters ? [letters] : []);
        var rows = documents
            .Select(d => (Document: d, Counts: counter.Of(d.Path)))
            .Select(x => new FeedRow(x.Document.Path, x.Document.Url, x.Document.Format.ToString(), x.Document.LastModified, x.Document.Identity.Length,
                // An archive page nobody asked for compressed has no gzip form yet: the desk does not make one.
                x.Document.IsCompressed ? x.Document.Gzip.Length : null, x.Counts.Requests, x.Counts.NotModified, x.Document.IsArchive))
            .OrderBy(r => r.IsArchive).ThenByDescending(r => r.Requests).ThenBy(r => r.Path, StringComparer.Ordinal)
            .ToList();
        return kit.RenderAsync(http, "Feeds", new FeedsPageModel { Title = "Flux", Menu = "flux", Feeds = rows, Zone = magazineTime.Zone, IsBuilt = snapshot.IsBuilt });
    }
}
