using System.Collections.Frozen;
using System.Text;
using BenchmarkDotNet.Attributes;
using EnContact.Syndication.Feeds;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace EnContact.Syndication.Benchmarks;

/// <summary>
/// What the feed instruments add to one poll: <see cref="FeedsApi.ServeAsync"/> answering a 200
/// (gzip body) and a 304, with metrics off (the instruments exist, nothing listens: Telemetry:Metrics=Off)
/// and on (OpenTelemetry's MeterProvider with the Prometheus exporter aggregating them, as with Open or Token).
/// The HTTP server is left out, so the ratio is the instruments' share of the endpoint's own work.
/// </summary>
[MemoryDiagnoser]
public class FeedPollMetricsBenchmarks
{
    private ServiceProvider _services = null!;
    private FeedMetrics _metrics = null!;
    private FeedCache.Snapshot _snapshot = null!;
    private FeedDocument _document = null!;
    private FeedsOptions _options = null!;
    private string _etag = null!;

    [Params(false, true)]
    public bool Metrics { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection().AddMetrics();
        if (Metrics)
            services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(FeedMetrics.MeterName).AddPrometheusExporter());
        _services = services.BuildServiceProvider();
        if (Metrics)
            _ = _services.GetRequiredService<MeterProvider>(); // the provider starts listening when it is built
        _metrics = new FeedMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), new FeedRequestCounter());
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">");
        for (var i = 0; i < 50; i++)
            xml.Append("<entry><title>Article ").Append(i).Append(" : la relation client</title><summary>").Append(new string('x', 400)).Append("</summary></entry>");
        xml.Append("</feed>");
        _document = FeedDocument.Create(new RenderedFeed("all.atom", FeedFormat.Atom, Encoding.UTF8.GetBytes(xml.ToString()), "https://flux.en-contact.com/feeds/all.atom", "En-Contact"), null, DateTimeOffset.UtcNow);
        _snapshot = new FeedCache.Snapshot(new Dictionary<string, FeedDocument> { ["all.atom"] = _document }.ToFrozenDictionary(), 1, true);
        _options = new FeedsOptions { PublicUrl = "https://flux.en-contact.com/" };
        _etag = _document.ETag("gzip");
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark]
    public Task Poll200Gzip()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Headers.AcceptEncoding = "gzip, deflate, br";
        context.Response.Body = Stream.Null;
        return FeedsApi.ServeAsync(context, _snapshot, _document, _options, _metrics);
    }

    [Benchmark]
    public Task Poll304()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Headers.AcceptEncoding = "gzip, deflate, br";
        context.Request.Headers.IfNoneMatch = _etag;
        context.Response.Body = Stream.Null;
        return FeedsApi.ServeAsync(context, _snapshot, _document, _options, _metrics);
    }
}
