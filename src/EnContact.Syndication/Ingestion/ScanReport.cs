namespace EnContact.Syndication.Ingestion;

/// <summary>How much of a content folder a scan looks at, and whether missing files count as deleted.</summary>
public enum ScanMode
{
    /// <summary>Every file; a known file that is gone marks its article deleted.</summary>
    Full,
    /// <summary>Only the paths a change event named (files or folders, present or gone).</summary>
    Changes,
    /// <summary>Every file of a folder given to the <c>import</c> verb; nothing is marked deleted.</summary>
    Import,
}

/// <summary>What a scan did.</summary>
public sealed record ScanReport(int Files, int Unchanged, int Created, int Updated, int Renamed, int Deleted, int Problems, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{Files} files: {Created} created, {Updated} updated, {Renamed} renamed, {Deleted} deleted, {Unchanged} unchanged, {Problems} with problems, in {Elapsed.TotalMilliseconds:0} ms";
}
