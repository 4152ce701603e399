namespace EnContact.Syndication.Bounces;

/// <summary>
/// How much of a returned message is looked at. Reports are small; whatever else a message carries
/// (the original letter, a 20 MB attachment) is never read, so handling costs the same whatever the size.
/// </summary>
public static class ReportLimits
{
    /// <summary>Largest report part read (message/delivery-status, message/feedback-report, enclosed headers).</summary>
    public const int MaxReportPartBytes = 64 * 1024;

    /// <summary>Characters of a text body read to recognise a classic text bounce.</summary>
    public const int MaxTextChars = 16 * 1024;

    /// <summary>Parts visited in one message; more is not a report.</summary>
    public const int MaxParts = 64;

    /// <summary>Recipients taken from one report.</summary>
    public const int MaxRecipients = 100;
}
