using CsvHelper;

namespace EnContact.Syndication.Base;

/// <summary>How every CSV file an operator hands in is read (subscribers, members): comma-separated, trimmed, line numbers kept for the error messages, records of at most 64 KiB.</summary>
public static class CsvInput
{
    /// <summary>
    /// A record with broken quoting is skipped and given to <paramref name="malformed"/> (its line and
    /// the reason), and the rows after it are still read.
    /// </summary>
    public static CsvReaderOptions Options(Action<int, string> malformed) => new()
    {
        Separator = ',',
        TrimWhitespace = true,
        TrackLineNumbers = true,
        MaxRecordSize = 64 * 1024,
        MalformedData = CsvMalformedDataHandling.Skip,
        OnMalformedRecord = record => malformed((int)record.LineNumber, $"malformed CSV ({record.Reason})"),
    };
}
