using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Digests;

/// <summary>The weekly digest: when, what, how big. Section <c>Digest</c>.</summary>
public sealed class DigestOptions
{
    public const string Section = "Digest";

    /// <summary>Build and send the digest on schedule. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When editions are built: a cron expression (5 fields, Cronos syntax) read in <see cref="TimeZone"/>. Default <c>0 8 * * 1</c> (Mondays 08:00).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Schedule { get; set; } = "0 8 * * 1";

    /// <summary>IANA time zone of <see cref="Schedule"/> when it must differ from the magazine's. Default empty: <c>Site:TimeZone</c>.</summary>
    public string TimeZone { get; set; } = "";

    /// <summary>
    /// How late an edition may still be built when the gateway was down at its time; later, it is
    /// skipped (logged and recorded) and its articles go into the next one. Default 6 hours.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan CatchUpWindow { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Articles an edition needs; with fewer, no edition is sent that week. Default 1.</summary>
    [Range(1, 1000)]
    public int MinimumItems { get; set; } = 1;

    /// <summary>Period of the first edition (nothing before it to continue from). Default 7 days.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "90.00:00:00")]
    public TimeSpan FirstEditionLookback { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Built editions wait for an operator's approval (CLI or admin API) before they are queued. Default false.</summary>
    public bool RequireApproval { get; set; }

    /// <summary>Most articles shown per section; fewer when the HTML would pass <see cref="MaxHtmlBytes"/>. Default 8.</summary>
    [Range(1, 100)]
    public int MaxItemsPerSection { get; set; } = 8;

    /// <summary>Largest HTML part (Gmail clips at about 102 KB); a "more on the site" link replaces what does not fit. Default 95,000 bytes.</summary>
    [Range(10_000, 1_000_000)]
    public int MaxHtmlBytes { get; set; } = 95_000;

    /// <summary>Subject of an edition; <c>{number}</c> and <c>{date}</c> (long French date) are replaced. Default "La lettre d’En-Contact n° {number} — {date}".</summary>
    [Required(AllowEmptyStrings = false)]
    public string Subject { get; set; } = "La lettre d’En-Contact n° {number} — {date}";

    /// <summary>
    /// A file outside the database where every built edition is also recorded, so that a database
    /// restored from an older backup does not build (and send) an edition again. Empty: none. Default <c>data/digest-ledger.txt</c>.
    /// </summary>
    public string? LedgerPath { get; set; } = "data/digest-ledger.txt";

    /// <summary>
    /// How a member's copy shows premium articles: <c>FullText</c> (the article in the letter; a copy
    /// that would pass <see cref="MaxHtmlBytes"/> that way links instead) or <c>Link</c> (the teaser
    /// and a direct link). Default <c>FullText</c>.
    /// </summary>
    public MemberPremium MemberPremium { get; set; } = MemberPremium.FullText;
}

/// <summary>The values of <see cref="DigestOptions.MemberPremium"/>.</summary>
public enum MemberPremium
{
    FullText,
    Link,
}
