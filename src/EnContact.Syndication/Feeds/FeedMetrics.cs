using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// The feeds' instruments (meter <see cref="MeterName"/>): polls by answer and format, bytes sent,
/// and how long a rebuild takes; the rebuild is also traced. Recording costs nothing measurable when
/// no exporter listens (Telemetry:Metrics=Off, no OTLP endpoint). Each feed's own requests and 304s
/// go to <see cref="FeedRequestCounter"/> from the same call, which the desk reads whatever the setting.
/// </summary>
public sealed class FeedMetrics
{
    public const string MeterName = "EnContact.Syndication.Feeds";

    /// <summary>Traces of the feeds' background work (the rebuild).</summary>
    internal static readonly ActivitySource Activities = new(MeterName);

    // Seconds: a rebuild of the sample site takes milliseconds, of 10,000 articles a few seconds.
    private static readonly double[] RebuildBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Counter<long> _requests;
    private readonly Counter<long> _bytes;
    private readonly Histogram<double> _rebuild;
    private readonly FeedRequestCounter _perFeed;

    public FeedMetrics(IMeterFactory meters, FeedRequestCounter perFeed)
    {
        _perFeed = perFeed;
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("encontact.feeds.requests", "{request}",
            "Feed polls answered, by HTTP status (200 body sent, 304 not modified, 404 no such feed, 503 not built yet) and feed format.");
        _bytes = meter.CreateCounter<long>("encontact.feeds.sent", "By",
            "Feed body bytes sent (after compression), by feed format and content encoding.");
        _rebuild = meter.CreateHistogram("encontact.feeds.rebuild.duration", "s",
            "Time to rebuild every feed from the store (render, compress, mirror), by outcome (ok, error).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RebuildBuckets });
    }

    /// <summary>
    /// One poll's answer: <paramref name="status"/> is 200, 304, 404 or 503; <paramref name="bodyBytes"/> what was written (0 for HEAD).
    /// A <paramref name="isPrivate"/> document (a member's full-text feed) is counted apart from the public one of the same path.
    /// </summary>
    public void Served(int status, FeedDocument? document, string? encoding, long bodyBytes, bool isPrivate = false)
    {
        if (document is not null)
            _perFeed.Count(isPrivate ? "members/" + document.Path : document.Path, status == StatusCodes.Status304NotModified);
        if (!_requests.Enabled)
            return;
        var format = document is null ? "none" : FormatTag(document.Format);
        _requests.Add(1, new KeyValuePair<string, object?>("status", StatusTag(status)), new KeyValuePair<string, object?>("format", format));
        if (bodyBytes > 0)
            _bytes.Add(bodyBytes, new KeyValuePair<string, object?>("format", format), new KeyValuePair<string, object?>("encoding", encoding ?? "identity"));
    }

    public void Rebuilt(TimeSpan elapsed, bool ok) =>
        _rebuild.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", ok ? "ok" : "error"));

    // Constant strings: a tag value boxed per poll would allocate on the hottest path of the gateway.
    private static string StatusTag(int status) => status switch
    {
        200 => "200",
        304 => "304",
        404 => "404",
        503 => "503",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string FormatTag(FeedFormat format) => format switch
    {
        FeedFormat.Rss => "rss",
        FeedFormat.Atom => "atom",
        _ => "json",
    };
}
