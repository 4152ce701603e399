using System.Diagnostics.Metrics;

namespace EnContact.Syndication.Sources;

/// <summary>
/// The upstream sources' instrument (meter <see cref="MeterName"/>): polls by source and result.
/// The articles they write count in ingestion's <c>encontact.ingestion.articles</c> with source <c>feed</c>.
/// </summary>
public sealed class SourceMetrics
{
    public const string MeterName = "EnContact.Syndication.Sources";

    private readonly Counter<long> _polls;

    public SourceMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _polls = meter.CreateCounter<long>("encontact.sources.polls", "{poll}",
            "Polls of upstream feeds, by source and result (fetched, not-modified, failed).");
    }

    public void Polled(string source, string result) =>
        _polls.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("result", result));
}
