using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Ingestion;

/// <summary>Ingestion's instruments after real scans of a content folder, read with a MeterListener on the gateway's own meters.</summary>
public sealed class IngestionMetricsTests
{
    [Fact]
    public async Task Scan_NewBrokenAndUnchangedFiles_ArticlesAndProblemsCountedOnceBySource()
    {
        await using var gateway = await Gateway.CreateAsync();
        using var recorder = new MeasurementRecorder(gateway);
        gateway.WriteContent("2026/a.md", SampleArticles.Markdown(title: "Premier titre"));
        gateway.WriteContent("2026/b.md", "---\ntitle: [unclosed\n---\nNo front matter that parses.");

        await gateway.ScanAsync();
        await gateway.ScanAsync(); // nothing changed: nothing is counted again

        var counted = recorder.Measurements
            .Select(m => (m.Instrument, Source: m.Tags["source"], Outcome: m.Tags.GetValueOrDefault("outcome"), m.Value)).ToList();
        Assert.Equal([("encontact.ingestion.problems", "folder", null, 1.0), ("encontact.ingestion.articles", "folder", "created", 1.0)], counted);
    }
}
