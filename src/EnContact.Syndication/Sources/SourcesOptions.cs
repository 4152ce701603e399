using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Sources;

/// <summary>The magazine's own CMS feeds, read as an article source. Section <c>Sources</c>.</summary>
public sealed class SourcesOptions
{
    public const string Section = "Sources";

    /// <summary>The upstream feeds (RSS 2.0, Atom 1.0 or JSON Feed 1.1) to poll. Default none: nothing is polled.</summary>
    public List<UpstreamFeedOptions> Feeds { get; set; } = [];

    /// <summary>The User-Agent sent upstream; empty: the gateway's name and the site's URL (Site:BaseUrl). Default empty.</summary>
    public string? UserAgent { get; set; }

    /// <summary>Longest a fetch may take, retries and body included; past it the poll fails. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest feed document read (after decompression); a bigger one is abandoned while it streams. Default 10 MiB.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Retries of one fetch after a network error or a 5xx answer without Retry-After (2 s, then 4 s later). Default 2.</summary>
    [Range(0, 5)]
    public int Retries { get; set; } = 2;

    /// <summary>Longest wait between two polls of a source, whatever failures, Retry-After or Cache-Control ask. Default 6 hours.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Most archive pages a back-fill reads from one source. Default 50.</summary>
    [Range(1, 10_000)]
    public int BackfillMaxPages { get; set; } = 50;
}

/// <summary>One upstream feed (an item of <c>Sources:Feeds</c>).</summary>
public sealed class UpstreamFeedOptions
{
    /// <summary>Short name, a slug unique among the feeds; prefixes its articles' ids. Required.</summary>
    [Required(AllowEmptyStrings = false)]
    public string? Name { get; set; }

    /// <summary>Absolute http or https URL of the feed. Required.</summary>
    [Required(AllowEmptyStrings = false)]
    public string? Url { get; set; }

    /// <summary>Section of an item whose categories name no configured section. Default none.</summary>
    public string? Section { get; set; }

    /// <summary>Access of its articles: free or premium. Default free.</summary>
    public string Access { get; set; } = "free";

    /// <summary>Time between two polls while it answers (longer if its Cache-Control max-age asks). Default 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(15);

    public Uri Uri => new(Url!, UriKind.Absolute);
}
