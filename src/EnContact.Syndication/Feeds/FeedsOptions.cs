using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Feeds;

/// <summary>RSS, Atom and JSON feeds. Section <c>Feeds</c>.</summary>
public sealed class FeedsOptions
{
    public const string Section = "Feeds";

    /// <summary>
    /// Absolute URL where the gateway's <c>/feeds/…</c> are publicly reachable (self links, WebSub topics).
    /// Required outside Development; in Development, when unset, the listen address. No default.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>Feed subtitle / description. Default: the magazine's one-line description.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Subtitle { get; set; } = "Le magazine indépendant de la relation client, du BPO et de l’expérience client";

    /// <summary>Newest items in each subscription feed. Default 50.</summary>
    [Range(1, 500)]
    public int ItemCount { get; set; } = 50;

    /// <summary>Whether each tag gets its own feeds as well as each section. Default true.</summary>
    public bool TagFeeds { get; set; } = true;

    /// <summary>How long readers and caches may keep a feed (Cache-Control max-age, RSS ttl, sy:updatePeriod). Default 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan CacheMaxAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Quiet time after an article change before rebuilding, so a burst of changes is one rebuild. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RebuildDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Authority and date of the <c>tag:</c> URIs used as permanent feed and item ids
    /// (<c>tag:en-contact.com,2026:article/{id}</c>). Never change it once feeds are public. Default <c>en-contact.com,2026</c>.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression(@"^[a-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?$")]
    public string TagAuthority { get; set; } = "en-contact.com,2026";

    /// <summary>Folder the feed files are mirrored to after each rebuild (for nginx or a CDN); empty turns mirroring off. It is public, so it stays outside the owner-only <c>data/</c>. Default <c>public/feeds</c>.</summary>
    public string? MirrorPath { get; set; } = "public/feeds";

    /// <summary>Optional square icon URL (Atom icon, JSON Feed favicon).</summary>
    public string? IconUrl { get; set; }

    /// <summary>Optional logo URL (Atom logo, RSS image, JSON Feed icon).</summary>
    public string? LogoUrl { get; set; }

    /// <summary>Optional WebSub hub: feeds advertise it and the hub is notified of every change. No default.</summary>
    public string? HubUrl { get; set; }

    /// <summary>First wait before retrying a failed hub notification; it doubles (with jitter) for up to 5 retries. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan HubRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Text of the link that ends a premium article's teaser. Default "Lire la suite sur En-Contact (réservé aux abonnés)".</summary>
    [Required(AllowEmptyStrings = false)]
    public string PremiumLinkText { get; set; } = "Lire la suite sur En-Contact (réservé aux abonnés)";

    public Uri PublicUri => PublicUrl is { } url ? new(url.EndsWith('/') ? url : url + "/", UriKind.Absolute) : throw new InvalidOperationException("Feeds:PublicUrl is not set");
}
