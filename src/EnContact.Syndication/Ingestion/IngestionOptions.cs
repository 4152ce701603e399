using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Ingestion;

/// <summary>The content-folder source. Section <c>Ingestion</c>.</summary>
public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Folder of Markdown articles, relative to the content root. Default <c>content</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ContentPath { get; set; } = "content";

    /// <summary>Whether the folder is ingested at all (at start, on change and on rescan). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>React to file changes as they happen (FileSystemWatcher). Default true.</summary>
    public bool Watch { get; set; } = true;

    /// <summary>Full rescan period, the safety net for missed change events. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Quiet time after a change event before ingesting, so an editor's burst of saves is one scan. Default 0.5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan DebounceDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest a scan may run: past it, the scan is stopped and <c>/healthz</c> reports ingestion unhealthy. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ScanTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest article file read; bigger files are reported and skipped. Default 4 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxFileBytes { get; set; } = 4 * 1024 * 1024;
}
