using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EnContact.Syndication.Ingestion;

/// <summary>
/// Ingestion's instruments (meter <see cref="MeterName"/>): articles written by source and outcome,
/// and the problems that kept an article out. A content-folder scan is traced.
/// </summary>
public sealed class IngestionMetrics
{
    public const string MeterName = "EnContact.Syndication.Ingestion";

    /// <summary>Where an article came from: a file of the content folder, or the admin API.</summary>
    public const string FolderSource = "folder", ApiSource = "api";

    internal static readonly ActivitySource Activities = new(MeterName);

    private readonly Counter<long> _articles;
    private readonly Counter<long> _problems;

    public IngestionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _articles = meter.CreateCounter<long>("encontact.ingestion.articles", "{article}",
            "Articles written to the store, by source (folder, api) and outcome (created, updated, renamed, deleted); unchanged files are not counted.");
        _problems = meter.CreateCounter<long>("encontact.ingestion.problems", "{problem}",
            "Articles refused, by source (folder: a file recorded as a problem, its last good version kept; api: a request answered 400 or 409).");
    }

    public void Articles(string source, string outcome, long count)
    {
        if (count > 0)
            _articles.Add(count, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void Problem(string source) => _problems.Add(1, new KeyValuePair<string, object?>("source", source));

    /// <summary>What a scan of the content folder wrote.</summary>
    public void Scanned(ScanReport report)
    {
        Articles(FolderSource, "created", report.Created);
        Articles(FolderSource, "updated", report.Updated);
        Articles(FolderSource, "renamed", report.Renamed);
        Articles(FolderSource, "deleted", report.Deleted);
    }
}
