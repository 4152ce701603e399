using EnContact.Syndication.Storage;
using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Subscribers;

/// <summary>Subscriptions to the weekly digest: links, tokens, sections, limits. Section <c>Subscribers</c>.</summary>
public sealed class SubscribersOptions
{
    public const string Section = "Subscribers";
    public const int MinSecretLength = 32;

    /// <summary>
    /// Absolute URL where the gateway's public pages (<c>/subscribe</c>, <c>/confirm/…</c>, <c>/unsubscribe/…</c>)
    /// are reachable; the links in mails start with it. One-click unsubscribe (RFC 8058) needs https.
    /// Required outside Development; in Development, when unset, the listen address. No default.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>
    /// Secret that signs confirm, unsubscribe and preferences links (HMAC-SHA256), at least 32 characters.
    /// Required outside Development; in Development one is made and kept in the data folder. No default.
    /// </summary>
    [Secret]
    public string? TokenSecret { get; set; }

    /// <summary>Earlier secrets, still accepted for links already sent (rotation); new links use <see cref="TokenSecret"/>. Default none.</summary>
    [Secret]
    public List<string> PreviousTokenSecrets { get; set; } = [];

    /// <summary>How long a confirmation link works. Default 48 hours.</summary>
    [Range(typeof(TimeSpan), "00:10:00", "30.00:00:00")]
    public TimeSpan ConfirmLinkLifetime { get; set; } = TimeSpan.FromHours(48);

    /// <summary>How long the unsubscribe and preferences links of a mail work. Default 365 days.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// The sections a reader can choose, in the order the digest shows them, written as in the
    /// articles' front matter. Default analyses, études, entretiens, indiscrétions, actualités.
    /// </summary>
    public List<string> Sections { get; set; } = [];

    /// <summary>Least time between two confirmation mails to one address (more requests get the same answer, no mail). Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ConfirmationResendInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Most confirmation mails one address gets per day (UTC), so the form cannot be used to flood a mailbox. Default 5.</summary>
    [Range(1, 100)]
    public int MaxConfirmationsPerDay { get; set; } = 5;

    /// <summary>Subscribe and confirm requests one client address may make per minute. Default 10.</summary>
    [Range(1, 10_000)]
    public int RequestsPerMinutePerClient { get; set; } = 10;

    /// <summary>Subscribe and confirm requests one address (or one confirmation link) may make per hour; more get the same answer and are not processed. Default 10.</summary>
    [Range(1, 10_000)]
    public int RequestsPerHourPerAddress { get; set; } = 10;

    /// <summary>Largest body accepted by the public pages and the JSON subscribe endpoint, in bytes. Default 16 KiB.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxPublicBodyBytes { get; set; } = 16 * 1024;

    /// <summary>How long an unconfirmed request is kept: after it (and as long since its last mail), the pending subscriber is deleted. Default 30 days.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan PendingRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Where the keys that protect the pages' forms (CSRF) are kept, relative to the content root. Default <c>data/keys</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string KeysPath { get; set; } = "data/keys";

    /// <summary>
    /// Origins (<c>https://www.en-contact.com</c>) whose pages may carry the embeddable sign-up form:
    /// their form posts to <c>/subscribe</c> are accepted without our anti-forgery cookie, and the JSON
    /// endpoint answers them with CORS headers. Any other origin is refused. Default none.
    /// </summary>
    public List<string> EmbedOrigins { get; set; } = [];

    public Uri PublicUri => PublicUrl is { } url ? new(url.EndsWith('/') ? url : url + "/", UriKind.Absolute) : throw new InvalidOperationException("Subscribers:PublicUrl is not set");

    /// <summary>The default sections, used when the setting lists none.</summary>
    public static readonly string[] DefaultSections = ["analyses", "études", "entretiens", "indiscrétions", "actualités"];

    public IReadOnlyList<string> EffectiveSections => Sections.Count > 0 ? Sections : DefaultSections;
}
